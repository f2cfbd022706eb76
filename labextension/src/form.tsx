/**
 * Create (or copy into) a resource from a form generated from the server's request-body schema (schemaform.tsx):
 * choices loaded from their routes, a picked template or pipeline filling the other fields, a copy pre-filled.
 */
import { ReactWidget } from '@jupyterlab/ui-components';
import React from 'react';

import { createItem, loadChoices, withIdField } from './actions';
import { EasyMakerApi, Json } from './api';
import { ErrorNote } from './components';
import { IKind } from './registry';
import { parametersFor, withParameterHelp } from './parameters';
import { copyData, formSpec, IFormSpec } from './schema';
import { SchemaForm } from './schemaform';
import { namedAfterFile, withFiles } from './upload';

export interface IFormActions {
  created(kind: IKind, item: Json): void;
}

function CreateForm(props: {
  api: EasyMakerApi;
  kind: IKind;
  source: Json | null;
  actions: IFormActions;
}): JSX.Element {
  const { api, kind } = props;
  const [spec, setSpec] = React.useState<IFormSpec | null>(null);
  const [data, setData] = React.useState<Json>({});
  const [message, setMessage] = React.useState<string | null>(null);
  const [parameterHelp, setParameterHelp] = React.useState<string | null>(null);
  const pickedFile = React.useRef<string | null>(null);

  React.useEffect(() => {
    const load = async () => {
      const openapi = await api.openapi();
      const options = await loadChoices(api, kind.choices, null);
      const withFile = withFiles(kind, formSpec(kind, openapi, options), (_field, filename) => {
        pickedFile.current = filename;
      });
      const built = withIdField(kind, openapi, withFile);
      setSpec(built);
      if (props.source) {
        const copied = copyData(kind, props.source, built.schema);
        setData(copied);
        void parametersFor(api, kind, {}, copied, true).then(found => found && setParameterHelp(found.help));
      }
    };
    load().catch(err => setMessage(`Cannot build the form: ${err.message}`));
  }, []);

  /** A picked template (any `fillFrom` field) fills the other settings; what the user typed for them is replaced. */
  const fill = async (before: Json, after: Json) => {
    if (!spec) {
      return;
    }
    try {
      const found = await parametersFor(api, kind, before, after);
      if (found) {
        setParameterHelp(found.help);
        setData(current => ({ ...current, [kind.parameters!.field]: found.list }));
      }
    } catch (err: any) {
      setMessage(`Cannot load the parameters: ${err.message}`);
    }
    for (const [field, source] of Object.entries(kind.fillFrom || {})) {
      if (!after[field] || after[field] === before[field]) {
        continue;
      }
      try {
        const from = (await api.kinds()).find(k => k.kind === source);
        if (!from) {
          continue;
        }
        const item = (await api.get(`${from.path}/${encodeURIComponent(after[field])}`))[from.itemKey];
        const settings = copyData(from, item, spec.schema);
        delete settings[from.nameField];
        delete settings[kind.nameField];
        delete settings.description;
        setData(current => ({ ...current, ...settings }));
      } catch (err: any) {
        setMessage(`Cannot load ${field}: ${err.message}`);
      }
    }
  };

  const verb = props.source ? 'Copy' : 'Create';
  return (
    <div className="jp-EasyMaker-form">
      <h1>
        {verb} {kind.singular}
      </h1>
      <ErrorNote error={message} />
      {spec && (
        <SchemaForm
          spec={spec}
          schema={withParameterHelp(kind, spec.schema, parameterHelp)}
          data={data}
          onChange={formData => {
            const next = namedAfterFile(kind, data, formData, pickedFile.current);
            setData(next);
            void fill(data, next);
          }}
          send={async body => props.actions.created(kind, (await createItem(api, kind, body))[kind.itemKey])}
          onMessage={setMessage}
          submitLabel={`Create ${kind.singular}`}
          busyLabel="Creating…"
        />
      )}
    </div>
  );
}

export class FormWidget extends ReactWidget {
  constructor(
    private readonly api: EasyMakerApi,
    readonly kind: IKind,
    private readonly source: Json | null,
    private readonly actions: IFormActions
  ) {
    super();
    this.addClass('jp-EasyMaker');
    this.addClass('jp-EasyMaker-form-widget');
  }

  render(): JSX.Element {
    return <CreateForm api={this.api} kind={this.kind} source={this.source} actions={this.actions} />;
  }
}
