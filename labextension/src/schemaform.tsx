/**
 * The one form that creating an item and an item's own actions both use: generated from a request-body schema,
 * checked as the user types (ajv, as JupyterLab's own FormComponent does), sent with `send`; the server's errorList
 * is shown under the fields it names and the rest as the form's message.
 */
import { FormComponent } from '@jupyterlab/ui-components';
import validator from '@rjsf/validator-ajv8';
import React from 'react';

import { ApiError, Json } from './api';
import { clean, extraErrors, IFormSpec } from './schema';

export function SchemaForm(props: {
  spec: IFormSpec;
  /** The schema shown, if not the spec's (e.g. with help added to a field). */
  schema?: Json;
  data: Json;
  onChange: (next: Json) => void;
  send: (body: Json) => Promise<void>;
  onMessage: (message: string | null) => void;
  submitLabel: string;
  busyLabel: string;
  onCancel?: () => void;
}): JSX.Element {
  const { spec, onMessage } = props;
  const [serverErrors, setServerErrors] = React.useState<Json | undefined>(undefined);
  const [busy, setBusy] = React.useState(false);

  const submit = async () => {
    const body = clean(props.data);
    const { errors } = validator.validateFormData(body, spec.schema);
    if (errors.length) {
      onMessage(`Correct the ${errors.length === 1 ? 'field' : `${errors.length} fields`} marked below first.`);
      return;
    }
    setBusy(true);
    onMessage(null);
    try {
      await props.send(body);
    } catch (err: any) {
      if (err instanceof ApiError && err.errors.length) {
        const { tree, unplaced } = extraErrors(err.errors, spec.schema);
        setServerErrors(tree);
        onMessage([err.message, ...unplaced.map(e => `${e.field}: ${e.message}`)].join('\n'));
      } else {
        onMessage(err.message);
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      onSubmit={event => {
        event.preventDefault();
        void submit();
      }}
    >
      <FormComponent
        schema={props.schema || spec.schema}
        uiSchema={spec.uiSchema}
        formData={props.data}
        validator={validator as any}
        liveValidate
        showErrorList={false}
        noHtml5Validate
        extraErrors={serverErrors as any}
        onChange={(event: any) => {
          setServerErrors(undefined);
          props.onChange(event.formData);
        }}
        tagName="div"
        formContext={{ defaultFormData: {} }}
        compact
      />
      <div className="jp-EasyMaker-form-buttons">
        {props.onCancel && (
          <button type="button" className="jp-mod-styled jp-mod-reject" onClick={props.onCancel}>
            Cancel
          </button>
        )}
        <button type="submit" className="jp-mod-styled jp-mod-accept" disabled={busy}>
          {busy ? props.busyLabel : props.submitLabel}
        </button>
      </div>
    </form>
  );
}
