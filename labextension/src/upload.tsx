/**
 * Create-form fields given as a file (a kind's `files`): a file input whose value is the file's base64, as the API
 * takes it (a pipeline's base64PipelineSpecManifest). Picking a file also names the resource after it if unnamed.
 */
import React from 'react';

import { Json } from './api';
import { IKind } from './registry';
import { IFormSpec } from './schema';

/** The bytes of a file as base64 (no data: prefix). */
export function readBase64(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

/**
 * Form data after a change: a newly picked file names the resource after it, if it has no name yet.
 */
export function namedAfterFile(kind: IKind, before: Json, after: Json, filename: string | null): Json {
  const nameField = kind.createNameField || kind.nameField;
  const changed = Object.keys(kind.files || {}).some(field => after[field] && after[field] !== before[field]);
  return changed && filename && !after[nameField] ? { ...after, [nameField]: nameOf(filename) } : after;
}

/** A file name as a resource name: `my pipeline.v2.yaml` -> `my-pipeline-v2`. */
export function nameOf(filename: string): string {
  const stem = filename.replace(/\.[^.]*$/, '');
  return stem
    .replace(/[^A-Za-z0-9_-]+/g, '-')
    .replace(/^[-_]+/, '')
    .slice(0, 50)
    .replace(/-+$/, '');
}

function FileWidget(props: Json): JSX.Element {
  const [picked, setPicked] = React.useState<string | null>(null);
  const [error, setError] = React.useState<string | null>(null);
  const options = props.options || {};
  return (
    <div className="jp-EasyMaker-file">
      <input
        id={props.id}
        type="file"
        accept={options.accept}
        disabled={props.disabled || props.readonly}
        aria-label={props.label || props.name}
        onChange={async event => {
          const file = event.target.files?.[0];
          if (!file) {
            props.onChange(undefined);
            setPicked(null);
            return;
          }
          try {
            const content = await readBase64(file);
            options.onFile?.(file.name);
            props.onChange(content);
            setPicked(`${file.name} (${file.size} bytes)`);
            setError(null);
          } catch (err: any) {
            setError(`Cannot read ${file.name}: ${err}`);
          }
        }}
      />
      {picked && props.value && <span className="jp-EasyMaker-file-picked">{picked}</span>}
      {error && <span className="jp-EasyMaker-error">{error}</span>}
    </div>
  );
}

/** The form spec with the kind's file fields as file inputs; `onFile` hears the picked file's name first. */
export function withFiles(kind: IKind, spec: IFormSpec, onFile: (field: string, filename: string) => void): IFormSpec {
  const uiSchema = { ...spec.uiSchema };
  for (const [field, accept] of Object.entries(kind.files || {})) {
    if (field in (spec.schema.properties || {})) {
      uiSchema[field] = {
        ...uiSchema[field],
        'ui:widget': FileWidget,
        'ui:options': { accept, onFile: (filename: string) => onFile(field, filename) }
      };
    }
  }
  return { ...spec, uiSchema };
}
