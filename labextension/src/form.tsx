/**
 * Create (or copy into) a resource from a form generated from the server's request-body schema. The form checks
 * the schema as the user types (ajv, as JupyterLab's own FormComponent does); the server's errorList is shown next
 * to the fields it names.
 */
import { FormComponent, ReactWidget } from '@jupyterlab/ui-components';
import validator from '@rjsf/validator-ajv8';
import React from 'react';

import { createItem, withIdField } from './actions';
import { ApiError, EasyMakerApi, Json } from './api';
import { ErrorNote } from './components';
import { IKind } from './registry';
import { clean, copyData, extraErrors, formSpec, IChoiceOptions, IFormSpec } from './schema';

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
  const [serverErrors, setServerErrors] = React.useState<Json | undefined>(undefined);
  const [message, setMessage] = React.useState<string | null>(null);
  const [busy, setBusy] = React.useState(false);

  React.useEffect(() => {
    const load = async () => {
      const openapi = await api.openapi();
      const options: IChoiceOptions = {};
      await Promise.all(
        Object.entries(kind.choices).map(async ([field, choice]) => {
          try {
            const body = await api.get(choice.path);
            options[field] = (body[choice.listKey] || []).map((entry: Json) => ({
              value: String(entry[choice.value]),
              label: `${entry[choice.label]} (${entry[choice.value]})`
            }));
          } catch {
            options[field] = []; // the field stays a free text box
          }
        })
      );
      const built = withIdField(kind, openapi, formSpec(kind, openapi, options));
      setSpec(built);
      if (props.source) {
        setData(copyData(kind, props.source, built.schema));
      }
    };
    load().catch(err => setMessage(`Cannot build the form: ${err.message}`));
  }, []);

  /** A picked template (any `fillFrom` field) fills the other settings; what the user typed for them is replaced. */
  const fill = async (before: Json, after: Json) => {
    if (!spec) {
      return;
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

  const submit = async () => {
    if (!spec) {
      return;
    }
    const body = clean(data);
    const { errors } = validator.validateFormData(body, spec.schema);
    if (errors.length) {
      setMessage(`Correct the ${errors.length === 1 ? 'field' : `${errors.length} fields`} marked below first.`);
      return;
    }
    setBusy(true);
    setMessage(null);
    try {
      const answer = await createItem(api, kind, body);
      props.actions.created(kind, answer[kind.itemKey]);
    } catch (err: any) {
      if (err instanceof ApiError && err.errors.length) {
        const { tree, unplaced } = extraErrors(err.errors, spec.schema);
        setServerErrors(tree);
        setMessage([err.message, ...unplaced.map(e => `${e.field}: ${e.message}`)].join('\n'));
      } else {
        setMessage(err.message);
      }
    } finally {
      setBusy(false);
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
        <form
          onSubmit={event => {
            event.preventDefault();
            void submit();
          }}
        >
          <FormComponent
            schema={spec.schema}
            uiSchema={spec.uiSchema}
            formData={data}
            validator={validator as any}
            liveValidate
            showErrorList={false}
            noHtml5Validate
            extraErrors={serverErrors as any}
            onChange={(event: any) => {
              const next = event.formData;
              setData(next);
              setServerErrors(undefined);
              void fill(data, next);
            }}
            tagName="div"
            formContext={{ defaultFormData: {} }}
            compact
          />
          <div className="jp-EasyMaker-form-buttons">
            <button type="submit" className="jp-mod-styled jp-mod-accept" disabled={busy}>
              {busy ? 'Creating…' : `Create ${kind.singular}`}
            </button>
          </div>
        </form>
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
