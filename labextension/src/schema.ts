/**
 * Forms from the server's request-body schemas (easymaker/openapi.json, generated from pydantic): one source of truth.
 *
 * pydantic writes an optional field as `anyOf: [X, {type: null}]` with `default: null` and `$ref`s into
 * components/schemas; a form wants X itself, left out when empty, with the references inlined. The kind's
 * description adds the console's labels, the field order, hidden fields and pick lists.
 */
import { IFieldError, Json } from './api';
import { IKind, pick } from './registry';

export interface IFormSpec {
  schema: Json;
  uiSchema: Json;
}

/** camelCase field name -> "Camel case field name", for fields the kind gives no label. */
export function humanize(name: string): string {
  const words = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/Uri\b/, 'URI');
  return words.charAt(0).toUpperCase() + words.slice(1).toLowerCase().replace(/\buri\b/, 'URI');
}

function resolve(schema: Json, components: Json, seen: string[] = []): Json {
  if (Array.isArray(schema)) {
    return schema.map(s => resolve(s, components, seen));
  }
  if (!schema || typeof schema !== 'object') {
    return schema;
  }
  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.split('/').pop() as string;
    if (seen.includes(name)) {
      throw new Error(`recursive schema ${name}`);
    }
    const { $ref, ...rest } = schema;
    return resolve({ ...components[name], ...rest }, components, [...seen, name]);
  }
  let out: Json = {};
  for (const [key, value] of Object.entries(schema)) {
    out[key] = key === 'properties' ? mapValues(value, v => resolve(v, components, seen)) : resolve(value, components, seen);
  }
  if (Array.isArray(out.anyOf)) {
    const kept = out.anyOf.filter((s: Json) => s.type !== 'null');
    if (kept.length === 1) {
      const { anyOf, ...rest } = out;
      out = { ...kept[0], ...rest };
    }
  }
  if (out.default === null) {
    delete out.default;
  }
  return out;
}

function mapValues(object: Json, fn: (value: any, key: string) => any): Json {
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, fn(v, k)]));
}

/** Nested titles: humanized property names all the way down (items of datasetList, hyperparameterList …). */
function titled(schema: Json, titles: { [field: string]: string } = {}): Json {
  const out = { ...schema };
  if (out.properties) {
    out.properties = mapValues(out.properties, (value, key) => ({
      ...titled(value),
      title: titles[key] || humanize(key)
    }));
  }
  if (out.items) {
    out.items = titled(out.items);
  }
  return out;
}

export interface IChoiceOptions {
  [field: string]: { value: string; label: string }[];
}

export function formSpec(kind: IKind, openapi: Json, options: IChoiceOptions = {}): IFormSpec {
  const components = openapi.components.schemas;
  const raw = components[kind.createSchema];
  if (!raw) {
    throw new Error(`The server's OpenAPI document has no schema ${kind.createSchema}`);
  }
  const schema = titled(resolve(raw, components), kind.titles);
  delete schema.title;
  delete schema.description; // the request model's docstring speaks to developers, not to the form's user
  // Hidden fields (set by other parts, e.g. pipelines) and fixed ones (a `const`) are not the user's to fill.
  for (const [field, property] of Object.entries<Json>(schema.properties)) {
    if (kind.hidden.includes(field) || 'const' in property) {
      delete schema.properties[field];
    }
  }
  const uiSchema: Json = { 'ui:order': [...kind.order.filter(f => f in schema.properties), '*'] };
  // Pick lists as enum + labels (an optional `oneOf` of consts would default to its first entry).
  for (const [field, list] of Object.entries(options)) {
    const property = schema.properties[field];
    if (property && list.length) {
      property.enum = list.map(o => o.value);
      // Both spellings: the lab's rjsf reads `enumNames` in the schema, newer ones `ui:enumNames`.
      property.enumNames = list.map(o => o.label);
      uiSchema[field] = { 'ui:enumNames': property.enumNames };
    }
  }
  for (const [field, property] of Object.entries<Json>(schema.properties)) {
    if (property.type === 'string' && (property.maxLength ?? 0) > 255) {
      uiSchema[field] = { ...uiSchema[field], 'ui:widget': 'textarea' };
    }
  }
  return { schema, uiSchema };
}

/** A copy's form data: every field the create schema takes, from the item (same name or the kind's copyFrom path). */
export function copyData(kind: IKind, item: Json, schema: Json): Json {
  const data: Json = {};
  for (const field of Object.keys(schema.properties)) {
    if (kind.hidden.includes(field)) {
      continue;
    }
    const value = field in kind.copyFrom ? pick(item, kind.copyFrom[field]) : item[field];
    if (value !== null && value !== undefined && !(Array.isArray(value) && !value.length)) {
      data[field] = value;
    }
  }
  const nameField = kind.createNameField || kind.nameField;
  const name = data[nameField];
  if (typeof name === 'string') {
    const max = schema.properties[nameField]?.maxLength ?? 50;
    data[nameField] = `${name.slice(0, max - 5)}-copy`;
  }
  return data;
}

/** Drop empty strings, empty lists and empty objects the form leaves behind: the server takes absence as "not set". */
export function clean(value: any): any {
  if (Array.isArray(value)) {
    return value.map(clean);
  }
  if (value && typeof value === 'object') {
    const out: Json = {};
    for (const [k, v] of Object.entries(value)) {
      const c = clean(v);
      if (c !== undefined && c !== '' && c !== null && !(Array.isArray(c) && !c.length)) {
        out[k] = c;
      }
    }
    return out;
  }
  return value;
}

/** The server's errorList as rjsf's extraErrors: `datasetList[0].dataUri` -> {datasetList: {0: {dataUri: …}}}. */
export function extraErrors(errors: IFieldError[], schema: Json): { tree: Json; unplaced: IFieldError[] } {
  const tree: Json = {};
  const unplaced: IFieldError[] = [];
  for (const error of errors) {
    const parts = (error.field || '').split(/[.[\]]+/).filter(Boolean);
    if (!parts.length || !(parts[0] in (schema.properties || {}))) {
      unplaced.push(error);
      continue;
    }
    let node = tree;
    for (const part of parts) {
      node = node[part] = node[part] || {};
    }
    node.__errors = [...(node.__errors || []), error.message];
  }
  return { tree, unplaced };
}
