/**
 * The "operation" tab (a detached operation the item carries, followed live: an environment's package install) and
 * the "output" tab (what the item's last run left: a start-up script's exit code and output); and how a field's
 * value reads in the detail tables.
 */
import React from 'react';

import { EasyMakerApi, Json } from './api';
import { ErrorNote, StatusBadge } from './components';
import { IKind } from './registry';
import { humanize } from './schema';

const UNITS = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];

/** "12.3 MiB" for a byte count. */
export function bytes(value: number): string {
  let size = value;
  let unit = 0;
  while (size >= 1024 && unit < UNITS.length - 1) {
    size /= 1024;
    unit += 1;
  }
  return unit ? `${size.toFixed(1)} ${UNITS[unit]}` : `${value} bytes`;
}

/** A field's value in a detail table: sizes in units, lists of records as a small table, the rest as text. */
export function FieldValue(props: { name: string; value: any }): JSX.Element {
  const { name, value } = props;
  if (value === null || value === undefined || value === '') {
    return <>-</>;
  }
  if (typeof value === 'number' && /Bytes$/.test(name)) {
    return <span title={`${value} bytes`}>{bytes(value)}</span>;
  }
  if (Array.isArray(value) && value.length && value.every(v => v && typeof v === 'object' && !Array.isArray(v))) {
    const columns = [...new Set(value.flatMap(v => Object.keys(v)))];
    return (
      <table className="jp-EasyMaker-table jp-EasyMaker-subtable" aria-label={humanize(name)}>
        <thead>
          <tr>
            {columns.map(c => (
              <th key={c} scope="col">
                {humanize(c)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {value.map((row, i) => (
            <tr key={i}>
              {columns.map(c => (
                <td key={c}>{typeof row[c] === 'object' ? JSON.stringify(row[c]) : String(row[c] ?? '-')}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    );
  }
  if (Array.isArray(value) && value.every(v => typeof v !== 'object')) {
    return <>{value.length ? value.join(', ') : '-'}</>;
  }
  return <>{typeof value === 'object' ? JSON.stringify(value, null, 1) : String(value)}</>;
}

function Facts(props: { record: Json; names: string[] }): JSX.Element {
  return (
    <table className="jp-EasyMaker-table jp-EasyMaker-info">
      <tbody>
        {props.names.map(name => (
          <tr key={name} data-field={name}>
            <th scope="row">{humanize(name)}</th>
            <td>
              <FieldValue name={name} value={props.record[name]} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Text that stays scrolled to its end as it grows (unless the user scrolled up). */
function Tail(props: { text: string; label: string }): JSX.Element {
  const box = React.useRef<HTMLPreElement>(null);
  const pinned = React.useRef(true);
  React.useEffect(() => {
    if (box.current && pinned.current) {
      box.current.scrollTop = box.current.scrollHeight;
    }
  }, [props.text]);
  return (
    <pre
      ref={box}
      className="jp-EasyMaker-log-lines jp-EasyMaker-tail"
      tabIndex={0}
      aria-label={props.label}
      onScroll={event => {
        const node = event.currentTarget;
        pinned.current = node.scrollTop + node.clientHeight >= node.scrollHeight - 4;
      }}
    >
      {props.text}
    </pre>
  );
}

function newest(a: Json | null, b: Json | null): Json | null {
  if (!a || !b) {
    return a || b;
  }
  return String(a.startedDatetime ?? '') >= String(b.startedDatetime ?? '') ? a : b;
}

/**
 * The item's newest operation (or the one an action just started), polled until it ends. It is read from the item,
 * so closing the tab, the panel or the browser loses nothing: the operation runs detached and is found again here.
 */
export function OperationTab(props: {
  api: EasyMakerApi;
  kind: IKind;
  item: Json | null;
  started: Json | null;
}): JSX.Element {
  const view = props.kind.operation;
  const known = newest(props.started, (props.item && view && props.item[view.field]) || null);
  const id: string | null = known && view ? String(known[view.idField]) : null;
  const [operation, setOperation] = React.useState<Json | null>(known);
  const [error, setError] = React.useState<string | null>(null);
  React.useEffect(() => {
    if (!id || !view) {
      setOperation(known);
      return;
    }
    let stopped = false;
    let timer = 0;
    const tick = async () => {
      let done = false;
      try {
        const fresh: Json = (await props.api.get(`${view.path}/${encodeURIComponent(id)}`))[view.itemKey];
        done = view.final.includes(fresh[view.statusField]);
        if (!stopped) {
          setOperation(fresh);
          setError(null);
        }
      } catch (err: any) {
        if (!stopped) {
          setError(err.message);
        }
      }
      if (!stopped && !done) {
        timer = window.setTimeout(tick, 1000);
      }
    };
    setOperation(known);
    void tick();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
  }, [id]);
  if (!view) {
    return <ErrorNote error="This kind describes no operation." />;
  }
  if (!operation) {
    return <p className="jp-EasyMaker-empty">No operation yet.</p>;
  }
  const status = String(operation[view.statusField]);
  const skip = [view.logField, view.statusField, view.idField, view.messageField];
  const facts = Object.keys(operation).filter(name => !skip.includes(name));
  return (
    <div className="jp-EasyMaker-operation" data-operation={String(operation[view.idField])}>
      <div className="jp-EasyMaker-toolbar">
        <StatusBadge kind={{ ...props.kind, statusTones: view.statusTones }} status={status} />
        {operation[view.messageField] && <span className="jp-EasyMaker-message">{operation[view.messageField]}</span>}
      </div>
      <ErrorNote error={error} />
      <Facts record={operation} names={facts} />
      <Tail text={String(operation[view.logField] ?? '')} label="Operation log" />
    </div>
  );
}

/** What the item's last run left: its facts (exit code, when) and its output text. */
export function OutputTab(props: { kind: IKind; item: Json }): JSX.Element {
  const view = props.kind.output;
  if (!view) {
    return <ErrorNote error="This kind describes no output." />;
  }
  const text = props.item[view.text];
  return (
    <div className="jp-EasyMaker-output">
      <Facts record={props.item} names={view.facts} />
      {text === null || text === undefined ? (
        <p className="jp-EasyMaker-empty">Not run yet.</p>
      ) : (
        <Tail text={String(text)} label={humanize(view.text)} />
      )}
    </div>
  );
}
