/**
 * Create-form fields given as a file (a kind's `files`): a file input whose value is the file's base64, as the API
 * takes it (a pipeline's base64PipelineSpecManifest). Picking a file also names the resource after it if unnamed.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { showErrorMessage } from '@jupyterlab/apputils';
import React from 'react';

import { ApiError, EasyMakerApi, Json } from './api';
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

/** What the lab's file browser has selected (its public `selectedItems()`, read without importing the package). */
function selectedFiles(app: JupyterFrontEnd): Json[] {
  for (const widget of app.shell.widgets('left')) {
    const browser = widget as any;
    if (widget.id === 'filebrowser' && typeof browser.selectedItems === 'function') {
      return Array.from(browser.selectedItems() as Iterable<Json>);
    }
  }
  return [];
}

const PIPELINE_FILE = /\.ya?ml$/i;

/**
 * "Upload as EasyMaker pipeline" in the file browser's context menu on YAML files: each selected file is uploaded
 * (named after it) to the kind whose create form takes a `.yaml` file, then opened; a refusal says why.
 */
export function addUploadCommand(
  app: JupyterFrontEnd,
  api: EasyMakerApi,
  opened: (kind: IKind, item: Json) => void
): void {
  const id = 'easymaker:upload-pipeline';
  app.commands.addCommand(id, {
    label: 'Upload as EasyMaker pipeline',
    isVisible: () => {
      const files = selectedFiles(app);
      return files.length > 0 && files.every(f => f.type !== 'directory' && PIPELINE_FILE.test(f.name));
    },
    execute: async () => {
      const kind = (await api.kinds()).find(k => Object.values(k.files || {}).some(accept => accept.includes('.yaml')));
      if (!kind) {
        return;
      }
      const field = Object.keys(kind.files || {})[0];
      for (const file of selectedFiles(app).filter(f => PIPELINE_FILE.test(f.name))) {
        try {
          const model = await app.serviceManager.contents.get(file.path, { content: true, format: 'base64' });
          const body = {
            [kind.createNameField || kind.nameField]: nameOf(file.name),
            [field]: String(model.content).replace(/\s+/g, '')
          };
          const answer = await api.post(kind.createPath || kind.path, body);
          opened(kind, answer[kind.itemKey]);
        } catch (err: any) {
          const fields = err instanceof ApiError ? err.errors.map(e => `${e.field}: ${e.message}`) : [];
          await showErrorMessage(`Cannot upload ${file.name} as a ${kind.singular}`, [err.message, ...fields].join('\n'));
        }
      }
    }
  });
  app.contextMenu.addItem({ command: id, selector: '.jp-DirListing-item[data-isdir="false"]', rank: 60 });
}
