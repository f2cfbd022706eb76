/**
 * An item's own actions (api/ui.py `ItemAction`): buttons that send one request about the item, with a form
 * generated from the request's schema when it takes input (edit, install packages, change the instance type), the
 * server's errorList shown under the fields it names. And creating the items of a kind written with PUT
 * (`createMethod: 'PUT'`, e.g. a start-up script), whose form also asks for the item's id.
 */
import { Dialog, showDialog, showErrorMessage } from '@jupyterlab/apputils';
import { FormComponent } from '@jupyterlab/ui-components';
import validator from '@rjsf/validator-ajv8';
import React from 'react';

import { ApiError, EasyMakerApi, Json } from './api';
import { ErrorNote } from './components';
import { IChoice, IItemAction, IKind, itemId, itemStatus, pick } from './registry';
import { clean, extraErrors, formSpec, humanize, IChoiceOptions, IFormSpec } from './schema';

/** Shown only where the item's fields equal the action's `when` (one of an enable/disable pair). */
export function isShown(action: IItemAction, item: Json): boolean {
  return Object.entries(action.when || {}).every(([field, value]) => item[field] === value);
}

/** Enabled only in the action's statuses (none listed: any). */
export function isEnabled(kind: IKind, action: IItemAction, item: Json): boolean {
  const status = itemStatus(kind, item);
  return !action.statuses.length || (status !== null && action.statuses.includes(status));
}

/** The request's path under the appkey: `{kind.path}/{id}/{action.path}`, or `action.path` when it starts with /. */
export function actionPath(kind: IKind, item: Json, action: IItemAction): string {
  if (action.path.startsWith('/')) {
    return action.path.slice(1);
  }
  const base = `${kind.path}/${encodeURIComponent(itemId(kind, item))}`;
  return action.path ? `${base}/${action.path}` : base;
}

function send(api: EasyMakerApi, kind: IKind, item: Json, action: IItemAction, body: Json | null): Promise<Json> {
  const init: RequestInit = { method: action.method };
  if (body && Object.keys(body).length) {
    init.body = JSON.stringify(body);
  }
  return api.call(actionPath(kind, item, action), init);
}

/** The pick lists of a form: each choice's entries, only those agreeing with the item where the choice says so. */
export async function loadChoices(
  api: EasyMakerApi,
  choices: { [field: string]: IChoice },
  item: Json | null
): Promise<IChoiceOptions> {
  const options: IChoiceOptions = {};
  await Promise.all(
    Object.entries(choices).map(async ([field, choice]) => {
      try {
        const entries: Json[] = (await api.get(choice.path))[choice.listKey] || [];
        const agree = (entry: Json) =>
          !item ||
          Object.entries(choice.match || {}).every(([key, path]) => String(entry[key]) === String(pick(item, path)));
        options[field] = entries.filter(agree).map(entry => ({
          value: String(entry[choice.value]),
          label: `${entry[choice.label]} (${entry[choice.value]})`
        }));
      } catch {
        options[field] = []; // the field stays a free text box
      }
    })
  );
  return options;
}

/** The buttons of the item's actions; a form action asks `onForm` to show its form, the others send at once. */
export function ItemActionButtons(props: {
  api: EasyMakerApi;
  kind: IKind;
  item: Json;
  onForm: (action: IItemAction) => void;
  onDone: (action: IItemAction, answer: Json) => void;
}): JSX.Element {
  const { api, kind, item } = props;
  const [busy, setBusy] = React.useState<string | null>(null);
  const run = async (action: IItemAction) => {
    if (action.schema) {
      props.onForm(action);
      return;
    }
    if (action.confirm) {
      const answer = await showDialog({
        title: `${action.label}?`,
        body: action.confirm,
        buttons: [Dialog.cancelButton(), Dialog.okButton({ label: action.label })]
      });
      if (!answer.button.accept) {
        return;
      }
    }
    setBusy(action.name);
    try {
      props.onDone(action, await send(api, kind, item, action, action.body));
    } catch (err: any) {
      await showErrorMessage(`Cannot ${action.label.toLowerCase()} ${String(item[kind.nameField])}`, err.message);
    } finally {
      setBusy(null);
    }
  };
  return (
    <>
      {(kind.itemActions || [])
        .filter(action => isShown(action, item))
        .map(action => (
          <button
            key={action.name}
            className="jp-mod-styled"
            data-action={action.name}
            disabled={busy === action.name || !isEnabled(kind, action, item)}
            title={isEnabled(kind, action, item) ? '' : `Offered in ${action.statuses.join(', ')}`}
            onClick={() => void run(action)}
          >
            {action.label}
          </button>
        ))}
    </>
  );
}

/** The form of an action that takes input, filled from the item; the server's field errors appear under the fields. */
export function ActionForm(props: {
  api: EasyMakerApi;
  kind: IKind;
  item: Json;
  action: IItemAction;
  onDone: (answer: Json) => void;
  onCancel: () => void;
}): JSX.Element {
  const { api, kind, item, action } = props;
  const [spec, setSpec] = React.useState<IFormSpec | null>(null);
  const [data, setData] = React.useState<Json>({});
  const [serverErrors, setServerErrors] = React.useState<Json | undefined>(undefined);
  const [message, setMessage] = React.useState<string | null>(null);
  const [busy, setBusy] = React.useState(false);

  React.useEffect(() => {
    const load = async () => {
      const openapi = await api.openapi();
      const options = await loadChoices(api, action.choices, item);
      // The form of this request's body: the kind's form machinery, pointed at the action's schema and labels.
      const form: IKind = { ...kind, createSchema: action.schema as string, titles: action.titles, hidden: [] };
      form.order = Object.keys(action.titles);
      setSpec(formSpec(form, openapi, options));
      const filled: Json = {};
      for (const [field, path] of Object.entries(action.fill)) {
        const value = pick(item, path);
        if (value !== null && value !== undefined) {
          filled[field] = value;
        }
      }
      setData(filled);
    };
    load().catch(err => setMessage(`Cannot build the form: ${err.message}`));
  }, [action.name]);

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
      props.onDone(await send(api, kind, item, action, body));
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

  return (
    <section className="jp-EasyMaker-form jp-EasyMaker-action-form" aria-label={action.label} data-action={action.name}>
      <h2>{action.label}</h2>
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
              setData(event.formData);
              setServerErrors(undefined);
            }}
            tagName="div"
            formContext={{ defaultFormData: {} }}
            compact
          />
          <div className="jp-EasyMaker-form-buttons">
            <button type="button" className="jp-mod-styled jp-mod-reject" onClick={props.onCancel}>
              Cancel
            </button>
            <button type="submit" className="jp-mod-styled jp-mod-accept" disabled={busy}>
              {busy ? 'Sending…' : action.submit || action.label}
            </button>
          </div>
        </form>
      )}
    </section>
  );
}

const APP_PATH = '/easymaker/v1.0/appkeys/{appkey}';

/** A PUT-created kind's form asks for the id too, checked with the pattern of the PUT route's path parameter. */
export function withIdField(kind: IKind, openapi: Json, spec: IFormSpec): IFormSpec {
  if (kind.createMethod !== 'PUT') {
    return spec;
  }
  const put = openapi.paths[`${APP_PATH}/${kind.path}/{${kind.idField}}`]?.put;
  const parameter = (put?.parameters || []).find((p: Json) => p.name === kind.idField && p.in === 'path');
  const property: Json = { type: 'string', title: kind.titles[kind.idField] || humanize(kind.idField) };
  if (parameter?.schema?.pattern) {
    property.pattern = parameter.schema.pattern;
  }
  const schema = {
    ...spec.schema,
    properties: { [kind.idField]: property, ...spec.schema.properties },
    required: [kind.idField, ...(spec.schema.required || [])]
  };
  return { schema, uiSchema: spec.uiSchema };
}

/** POST {path}; or, for a PUT-created kind, PUT {path}/{id} with the rest of the form, unless that item exists. */
export async function createItem(api: EasyMakerApi, kind: IKind, body: Json): Promise<Json> {
  if (kind.createMethod !== 'PUT') {
    return api.post(kind.path, body);
  }
  const { [kind.idField]: id, ...rest } = body;
  const path = `${kind.path}/${encodeURIComponent(String(id))}`;
  let exists = true;
  try {
    await api.get(path);
  } catch (err: any) {
    if (!(err instanceof ApiError) || err.status !== 404) {
      throw err;
    }
    exists = false;
  }
  if (exists) {
    const note = `exists already: open it to edit it, or choose another ${humanize(kind.idField).toLowerCase()}`;
    throw new ApiError(409, `The ${kind.singular} '${id}' ${note}.`, [{ field: kind.idField, message: note }]);
  }
  return api.put(path, rest);
}
