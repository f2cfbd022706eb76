/**
 * A resource kind as GET easymaker/v1.0/ui/kinds describes it (jupyter_easymaker/api/ui.py). Nothing in this
 * extension names a kind: everything it shows of one comes from this description.
 */
import { Json } from './api';

export interface IChoice {
  path: string;
  listKey: string;
  value: string;
  label: string;
  /** Entry field -> dotted path into the item: only entries that agree are offered. */
  match?: { [field: string]: string };
}

export type Action = 'create' | 'copy' | 'start' | 'stop' | 'reboot' | 'retry' | 'delete' | 'tensorboard';
export type Tab =
  | 'information'
  | 'hyperparameters'
  | 'logs'
  | 'metrics'
  | 'monitoring'
  | 'children'
  | 'output'
  | 'operation';

/** A button that sends one request about an item (api/ui.py `ItemAction`); handled in actions.tsx. */
export interface IItemAction {
  name: string;
  label: string;
  method: string;
  path: string;
  schema: string | null;
  body: Json;
  fill: { [field: string]: string };
  choices: { [field: string]: IChoice };
  titles: { [field: string]: string };
  statuses: string[];
  when: Json;
  confirm: string | null;
  follow: boolean;
  submit: string | null;
}

/** A detached operation an item carries, followed by the operation tab (operation.tsx). */
export interface IOperationView {
  field: string;
  path: string;
  itemKey: string;
  idField: string;
  statusField: string;
  logField: string;
  messageField: string;
  final: string[];
  statusTones: { [status: string]: string };
}

export interface IKind {
  kind: string;
  label: string;
  singular: string;
  path: string;
  listKey: string;
  itemKey: string;
  idField: string;
  nameField: string;
  statusField: string | null;
  createSchema: string;
  actions: Action[];
  tabs: Tab[];
  statusTones: { [status: string]: string };
  stoppable: string[];
  startable: string[];
  rebootable: string[];
  retryable: string[];
  deletable: string[];
  copyFrom: { [field: string]: string };
  choices: { [field: string]: IChoice };
  titles: { [field: string]: string };
  order: string[];
  hidden: string[];
  columns: string[];
  /** Form field -> the kind whose item, once picked, fills the form's other fields. */
  fillFrom: { [field: string]: string };
  /** The kind the children tab lists, filtered by this item's id (`?{idField}={id}`). */
  children: string | null;
  /** POST {path}, or PUT {path}/{id} with the id asked for in the form (actions.tsx). */
  createMethod?: 'POST' | 'PUT';
  itemActions?: IItemAction[];
  operation?: IOperationView | null;
  output?: { facts: string[]; text: string } | null;
}

export function itemId(kind: IKind, item: Json): string {
  return String(item[kind.idField]);
}

export function itemName(kind: IKind, item: Json): string {
  return String(item[kind.nameField] ?? item[kind.idField]);
}

export function itemStatus(kind: IKind, item: Json): string | null {
  return kind.statusField ? (item[kind.statusField] as string) ?? null : null;
}

export function canStop(kind: IKind, item: Json): boolean {
  const status = itemStatus(kind, item);
  return kind.actions.includes('stop') && status !== null && kind.stoppable.includes(status);
}

/** A PUT {path}/{id}/{action} that moves an item on (start, reboot), offered in the statuses the kind lists. */
export function canTransition(kind: IKind, item: Json, action: 'start' | 'reboot'): boolean {
  const status = itemStatus(kind, item);
  const offered = action === 'start' ? kind.startable : kind.rebootable;
  return kind.actions.includes(action) && status !== null && (offered ?? []).includes(status);
}

export function canRetry(kind: IKind, item: Json): boolean {
  const status = itemStatus(kind, item);
  return kind.actions.includes('retry') && status !== null && kind.retryable.includes(status);
}

export function canDelete(kind: IKind, item: Json): boolean {
  const status = itemStatus(kind, item);
  return kind.actions.includes('delete') && (!kind.deletable.length || (!!status && kind.deletable.includes(status)));
}

/** A dotted path (`image.imageId`) into an item. */
export function pick(item: Json, path: string): any {
  return path.split('.').reduce((value: any, key) => (value == null ? undefined : value[key]), item);
}

/** "3 s", "5 min", "2 h", "4 d" since an ISO time. */
export function age(iso: string | undefined, now = Date.now()): string {
  if (!iso) {
    return '';
  }
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 60) {
    return `${seconds} s`;
  }
  if (seconds < 3600) {
    return `${Math.floor(seconds / 60)} min`;
  }
  if (seconds < 86400) {
    return `${Math.floor(seconds / 3600)} h`;
  }
  return `${Math.floor(seconds / 86400)} d`;
}
