/** A resource in a main-area tab, with the console's detail tabs. */
import { ReactWidget } from '@jupyterlab/ui-components';
import React from 'react';

import { ActionForm, ItemActionButtons } from './actions';
import { EasyMakerApi, Json } from './api';
import { ErrorNote, ISeries, LineChart, StatusBadge, usePoll } from './components';
import { GraphTab } from './graph';
import { Instances } from './instances';
import { FieldValue, OperationTab, OutputTab } from './operation';
import {
  canDelete,
  canRetry,
  canStop,
  canTransition,
  IItemAction,
  IKind,
  itemId,
  itemName,
  itemStatus,
  Tab
} from './registry';
import { humanize } from './schema';

export interface IDetailActions {
  copy(kind: IKind, item: Json): void;
  stop(kind: IKind, item: Json): Promise<void>;
  transition(kind: IKind, item: Json, action: 'start' | 'reboot'): Promise<void>;
  retry(kind: IKind, item: Json): Promise<void>;
  remove(kind: IKind, item: Json): Promise<boolean>;
  tensorboard(kind: IKind, item: Json): void;
  open(kind: IKind, item: Json): void;
  kind(name: string): Promise<IKind | undefined>;
}

const TAB_LABELS: { [tab in Tab]: string } = {
  information: 'Information',
  hyperparameters: 'Hyperparameters',
  logs: 'Logs',
  metrics: 'Metrics',
  monitoring: 'Monitoring',
  children: 'Contents',
  output: 'Output',
  operation: 'Operation',
  graph: 'Graph'
};

function show(value: any): string {
  if (value === null || value === undefined || value === '') {
    return '-';
  }
  return typeof value === 'object' ? JSON.stringify(value, null, 1) : String(value);
}

function Information(props: { item: Json; skip?: string[] }): JSX.Element {
  const rows: [string, string, any][] = [];
  for (const [key, value] of Object.entries(props.item)) {
    if (key === 'hyperparameterList' || props.skip?.includes(key)) {
      continue;
    }
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      for (const [sub, subValue] of Object.entries(value)) {
        rows.push([`${humanize(key)} › ${humanize(sub)}`, sub, subValue]);
      }
    } else {
      rows.push([humanize(key), key, value]);
    }
  }
  return (
    <table className="jp-EasyMaker-table jp-EasyMaker-info">
      <tbody>
        {rows.map(([label, key, value]) => (
          <tr key={label} data-field={key}>
            <th scope="row">{label}</th>
            <td>
              <FieldValue name={key} value={value} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Hyperparameters(props: { item: Json }): JSX.Element {
  const list: Json[] = props.item.hyperparameterList || [];
  if (!list.length) {
    return <p className="jp-EasyMaker-empty">No hyperparameters.</p>;
  }
  return (
    <table className="jp-EasyMaker-table">
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Value</th>
        </tr>
      </thead>
      <tbody>
        {list.map(p => (
          <tr key={p.parameterName}>
            <td>{p.parameterName}</td>
            <td>{p.parameterValue}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const MAX_LOG_LINES = 5000;

/** The live tail: the last records, then whatever arrives after the cursor; search filters and marks the lines. */
function Logs(props: { api: EasyMakerApi; kind: IKind; id: string }): JSX.Element {
  const [lines, setLines] = React.useState<Json[]>([]);
  const [search, setSearch] = React.useState('');
  const [follow, setFollow] = React.useState(true);
  const [error, setError] = React.useState<string | null>(null);
  const box = React.useRef<HTMLPreElement>(null);
  React.useEffect(() => {
    let stopped = false;
    let timer = 0;
    let cursor: number | null = null;
    const param = props.kind.idField;
    const tick = async () => {
      try {
        const query = cursor === null ? 'tail=1000' : `after=${cursor}&limit=1000`;
        const body = await props.api.get(`logs?${param}=${encodeURIComponent(props.id)}&${query}`);
        if (!stopped) {
          const fresh: Json[] = body.logList || [];
          cursor = body.nextCursor ?? cursor ?? 0;
          if (fresh.length) {
            setLines(current => [...current, ...fresh].slice(-MAX_LOG_LINES));
          }
          setError(null);
        }
      } catch (err: any) {
        if (!stopped) {
          setError(err.message);
        }
      }
      if (!stopped) {
        timer = window.setTimeout(tick, 1500);
      }
    };
    void tick();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
  }, [props.id]);
  const needle = search.toLowerCase();
  const shown = needle ? lines.filter(line => String(line.body).toLowerCase().includes(needle)) : lines;
  React.useEffect(() => {
    if (follow && box.current) {
      box.current.scrollTop = box.current.scrollHeight;
    }
  }, [shown.length, follow]);
  const mark = (text: string) => {
    if (!needle) {
      return text;
    }
    const parts: (string | JSX.Element)[] = [];
    let rest = text;
    let at: number;
    while ((at = rest.toLowerCase().indexOf(needle)) >= 0) {
      parts.push(rest.slice(0, at), <mark key={parts.length}>{rest.slice(at, at + needle.length)}</mark>);
      rest = rest.slice(at + needle.length);
    }
    parts.push(rest);
    return parts;
  };
  return (
    <div className="jp-EasyMaker-logs">
      <div className="jp-EasyMaker-toolbar">
        <input
          type="search"
          className="jp-mod-styled jp-EasyMaker-log-search"
          placeholder="Search logs"
          aria-label="Search logs"
          value={search}
          onChange={event => setSearch(event.target.value)}
        />
        <label>
          <input type="checkbox" checked={follow} onChange={event => setFollow(event.target.checked)} /> Follow
        </label>
        <span className="jp-EasyMaker-count">
          {needle ? `${shown.length} of ${lines.length}` : lines.length} lines
        </span>
      </div>
      <ErrorNote error={error} />
      <pre ref={box} className="jp-EasyMaker-log-lines" tabIndex={0} aria-label="Log lines">
        {shown.map(line => (
          <div key={line.logId} className={`jp-EasyMaker-log-${String(line.logLevel).toLowerCase()}`}>
            <span className="jp-EasyMaker-log-time">{String(line.time).slice(11, 23)}</span> {mark(String(line.body))}
          </div>
        ))}
      </pre>
    </div>
  );
}

function Metrics(props: { api: EasyMakerApi; kind: IKind; id: string }): JSX.Element {
  const [body, error] = usePoll(() => props.api.get(`${props.kind.path}/${props.id}/metrics?maxPoints=300`), 3000, [
    props.id
  ]);
  const byName = new Map<string, ISeries>();
  for (const m of (body?.metricList as Json[]) || []) {
    const series: ISeries = byName.get(m.name) || { name: m.name, points: [] };
    series.points.push({ x: m.step, y: m.value });
    byName.set(m.name, series);
  }
  const summary: Json[] = body?.metricSummaryList || [];
  return (
    <div>
      <ErrorNote error={error} />
      {!byName.size && body && <p className="jp-EasyMaker-empty">No metrics reported yet.</p>}
      {summary.length > 0 && (
        <table className="jp-EasyMaker-table">
          <thead>
            <tr>
              {['Metric', 'Latest', 'Min', 'Max', 'Count'].map(h => (
                <th key={h} scope="col">
                  {h}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {summary.map(s => (
              <tr key={s.name}>
                <td>{s.name}</td>
                <td>{show(s.latest)}</td>
                <td>{show(s.min)}</td>
                <td>{show(s.max)}</td>
                <td>{show(s.count)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="jp-EasyMaker-charts">
        {[...byName.values()].map(series => (
          <LineChart key={series.name} title={series.name} series={[series]} />
        ))}
      </div>
    </div>
  );
}

function Monitoring(props: { api: EasyMakerApi; kind: IKind; id: string }): JSX.Element {
  const [body, error] = usePoll(() => props.api.get(`${props.kind.path}/${props.id}/monitoring`), 3000, [props.id]);
  const usage: Json[] = body?.usageList || [];
  const cpu = usage.map(u => ({ x: Date.parse(u.time), y: u.cpuPercent }));
  const memory = usage.map(u => ({ x: Date.parse(u.time), y: u.memoryBytes / 2 ** 20 }));
  return (
    <div>
      <ErrorNote error={error} />
      <div className="jp-EasyMaker-charts">
        <LineChart title="CPU (%)" series={[{ name: 'CPU %', points: cpu }]} xIsTime />
        <LineChart
          title="Memory (MiB)"
          series={[{ name: 'Memory MiB', points: memory }]}
          xIsTime
          format={y => y.toFixed(0)}
        />
      </div>
      <Instances instances={body?.instanceList} />
    </div>
  );
}

/** The items of the kind's `children` kind that belong to this item (an experiment's trainings). */
function Children(props: {
  api: EasyMakerApi;
  kind: IKind;
  child: IKind | undefined;
  id: string;
  actions: IDetailActions;
}): JSX.Element {
  const child = props.child;
  const [list, error] = usePoll(
    async () => (child ? props.api.list(child, `?${props.kind.childrenFilter || props.kind.idField}=${encodeURIComponent(props.id)}`) : []),
    3000,
    [child, props.id]
  );
  if (!child) {
    return <ErrorNote error={error} />;
  }
  return (
    <div>
      <ErrorNote error={error} />
      {list && !list.length && <p className="jp-EasyMaker-empty">No {child.label.toLowerCase()}.</p>}
      <table className="jp-EasyMaker-table">
        <tbody>
          {(list || []).map(item => (
            <tr key={itemId(child, item)}>
              <td>
                <button className="jp-EasyMaker-link" onClick={() => props.actions.open(child, item)}>
                  {itemName(child, item)}
                </button>
              </td>
              <td>
                <StatusBadge kind={child} status={itemStatus(child, item)} />
              </td>
              <td>{item.createdDatetime}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Detail(props: { api: EasyMakerApi; kind: IKind; id: string; actions: IDetailActions }): JSX.Element {
  const { api, kind, id, actions } = props;
  const [tab, setTab] = React.useState<Tab>(kind.tabs[0]);
  const [bump, setBump] = React.useState(0);
  const [body, error, status] = usePoll(() => api.get(`${kind.path}/${id}`), 2000, [id, bump]);
  const item: Json | null = body ? body[kind.itemKey] : null;
  const gone = status === 404;
  const tabs = React.useRef<(HTMLButtonElement | null)[]>([]);
  const [child, setChild] = React.useState<IKind | undefined>();
  const [acting, setActing] = React.useState<IItemAction | null>(null); // the action whose form is open
  const [started, setStarted] = React.useState<Json | null>(null); // the operation an action just started
  const acted = (action: IItemAction, answer: Json) => {
    setActing(null);
    setBump(b => b + 1);
    if (action.follow && kind.operation) {
      setStarted(answer[kind.operation.itemKey] ?? null);
      setTab('operation');
    }
  };
  React.useEffect(() => {
    if (kind.children) {
      void actions.kind(kind.children).then(setChild);
    }
  }, [kind]);
  const tabLabel = (t: Tab) => (t === 'children' && child ? child.label : TAB_LABELS[t]);
  const onTabKey = (event: React.KeyboardEvent, index: number) => {
    const delta = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (delta) {
      const next = (index + delta + kind.tabs.length) % kind.tabs.length;
      setTab(kind.tabs[next]);
      tabs.current[next]?.focus();
    }
  };
  return (
    <div className="jp-EasyMaker-detail">
      <header className="jp-EasyMaker-detail-header">
        <h1>{item ? itemName(kind, item) : id}</h1>
        {item && <StatusBadge kind={kind} status={itemStatus(kind, item)} />}
        <div className="jp-EasyMaker-actions">
          {item && kind.actions.includes('copy') && (
            <button className="jp-mod-styled" onClick={() => actions.copy(kind, item)}>
              Copy
            </button>
          )}
          {item && kind.actions.includes('start') && (
            <button
              className="jp-mod-styled"
              disabled={!canTransition(kind, item, 'start')}
              onClick={() => actions.transition(kind, item, 'start').then(() => setBump(b => b + 1))}
            >
              Start
            </button>
          )}
          {item && kind.actions.includes('reboot') && (
            <button
              className="jp-mod-styled"
              disabled={!canTransition(kind, item, 'reboot')}
              onClick={() => actions.transition(kind, item, 'reboot').then(() => setBump(b => b + 1))}
            >
              Reboot
            </button>
          )}
          {item && kind.actions.includes('stop') && (
            <button
              className="jp-mod-styled"
              disabled={!canStop(kind, item)}
              onClick={() => actions.stop(kind, item).then(() => setBump(b => b + 1))}
            >
              Stop
            </button>
          )}
          {item && kind.actions.includes('retry') && (
            <button
              className="jp-mod-styled"
              disabled={!canRetry(kind, item)}
              title={`Offered in ${kind.retryable.join(', ')}`}
              onClick={() => actions.retry(kind, item).then(() => setBump(b => b + 1))}
            >
              Retry
            </button>
          )}
          {item && kind.actions.includes('tensorboard') && (
            <button className="jp-mod-styled" onClick={() => actions.tensorboard(kind, item)}>
              TensorBoard
            </button>
          )}
          {item && (
            <ItemActionButtons api={api} kind={kind} item={item} onForm={setActing} onDone={acted} />
          )}
          {item && kind.actions.includes('delete') && (
            <button
              className="jp-mod-styled jp-mod-warn"
              title={canDelete(kind, item) ? '' : `Only a ${kind.singular} in ${kind.deletable.join(', ')} can be deleted`}
              onClick={() => actions.remove(kind, item)}
            >
              Delete
            </button>
          )}
        </div>
      </header>
      <ErrorNote error={gone ? `This ${kind.singular} no longer exists.` : error} />
      {item && acting && (
        <ActionForm
          key={acting.name}
          api={api}
          kind={kind}
          item={item}
          action={acting}
          onDone={answer => acted(acting, answer)}
          onCancel={() => setActing(null)}
        />
      )}
      <div className="jp-EasyMaker-tabs" role="tablist" aria-label={`${kind.singular} details`}>
        {kind.tabs.map((t, i) => (
          <button
            key={t}
            ref={node => (tabs.current[i] = node)}
            role="tab"
            id={`em-tab-${id}-${t}`}
            aria-selected={t === tab}
            aria-controls={`em-tabpanel-${id}`}
            tabIndex={t === tab ? 0 : -1}
            className={`jp-EasyMaker-tab${t === tab ? ' jp-mod-active' : ''}`}
            onClick={() => setTab(t)}
            onKeyDown={event => onTabKey(event, i)}
          >
            {tabLabel(t)}
          </button>
        ))}
      </div>
      <section
        className="jp-EasyMaker-tabpanel"
        role="tabpanel"
        id={`em-tabpanel-${id}`}
        aria-labelledby={`em-tab-${id}-${tab}`}
        data-tab={tab}
      >
        {tab === 'information' && item && (
          <Information item={item} skip={[kind.operation?.field ?? '', kind.output?.text ?? '']} />
        )}
        {tab === 'hyperparameters' && item && <Hyperparameters item={item} />}
        {tab === 'logs' && <Logs api={api} kind={kind} id={id} />}
        {tab === 'metrics' && <Metrics api={api} kind={kind} id={id} />}
        {tab === 'monitoring' && <Monitoring api={api} kind={kind} id={id} />}
        {tab === 'children' && <Children api={api} kind={kind} child={child} id={id} actions={actions} />}
        {tab === 'output' && item && <OutputTab kind={kind} item={item} />}
        {tab === 'operation' && <OperationTab api={api} kind={kind} item={item} started={started} />}
        {tab === 'graph' && kind.graph && <GraphTab api={api} kind={kind} id={id} />}
      </section>
    </div>
  );
}

export class DetailWidget extends ReactWidget {
  constructor(
    private readonly api: EasyMakerApi,
    readonly kind: IKind,
    readonly itemId: string,
    private readonly actions: IDetailActions
  ) {
    super();
    this.addClass('jp-EasyMaker');
    this.addClass('jp-EasyMaker-detail-widget');
  }

  render(): JSX.Element {
    return <Detail api={this.api} kind={this.kind} id={this.itemId} actions={this.actions} />;
  }
}
