/**
 * A run form's parameters (a kind's `parameters`): picking the pipeline fills the list with the pipeline's declared
 * parameters and their defaults, and says each one's type next to the list.
 */
import { EasyMakerApi, Json } from './api';
import { IKind } from './registry';

export interface IParameterSpec {
  parameterName: string;
  parameterType: string;
  defaultValue: string | null;
  isOptional: boolean;
}

async function specsOf(api: EasyMakerApi, kind: IKind, itemId: string): Promise<IParameterSpec[]> {
  const p = kind.parameters!;
  const source = (await api.kinds()).find(k => k.kind === p.kind);
  if (!source) {
    return [];
  }
  const item = (await api.get(`${source.path}/${encodeURIComponent(itemId)}`))[source.itemKey];
  return (item?.[p.specList] || []) as IParameterSpec[];
}

/** "rows: NUMBER_INTEGER (default 5) · lr: NUMBER_DOUBLE (default 0.1) · seed: STRING (required)". */
export function describe(specs: IParameterSpec[]): string {
  if (!specs.length) {
    return 'The pipeline declares no parameters.';
  }
  return specs
    .map(s => {
      const extra = s.defaultValue !== null && s.defaultValue !== undefined ? `default ${s.defaultValue}` : s.isOptional ? 'optional' : 'required';
      return `${s.parameterName}: ${s.parameterType} (${extra})`;
    })
    .join(' · ');
}

/**
 * After a form change: if the picked item changed, its parameters with their defaults (to replace the list) and the
 * types line; with `keep`, only the types line (a copy keeps its values).
 */
export async function parametersFor(
  api: EasyMakerApi,
  kind: IKind,
  before: Json,
  after: Json,
  keep = false
): Promise<{ list?: Json[]; help: string } | null> {
  const p = kind.parameters;
  if (!p || !after[p.pickedBy] || (!keep && after[p.pickedBy] === before[p.pickedBy])) {
    return null;
  }
  const specs = await specsOf(api, kind, after[p.pickedBy]);
  const help = describe(specs);
  if (keep) {
    return { help };
  }
  const list = specs.map(s => ({ parameterName: s.parameterName, parameterValue: s.defaultValue ?? '' }));
  return { list, help };
}

/** The form schema with the parameter list described by the picked item's parameter types. */
export function withParameterHelp(kind: IKind, schema: Json, help: string | null): Json {
  const field = kind.parameters?.field;
  if (!help || !field || !schema.properties?.[field]) {
    return schema;
  }
  return { ...schema, properties: { ...schema.properties, [field]: { ...schema.properties[field], description: help } } };
}
