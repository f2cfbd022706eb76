/**
 * The "graph" detail tab: a pipeline's DAG (or a run's, with each task's live state) drawn as SVG from the kind's
 * graph route. Picking a node shows what is known of it; for a run, its tasks' parameters, logs and artifacts.
 */
import { ServerConnection } from '@jupyterlab/services';
import React from 'react';

import { EasyMakerApi, Json } from './api';
import { ErrorNote, usePoll } from './components';
import { edgePath, HEADER, IGraphEdge, IGraphNode, layout } from './layout';
import { IKind } from './registry';

/** KFP's condition text with its channel plumbing taken out: `flip-Output == 'heads'`. */
export function conditionText(condition: string): string {
  return condition
    .replace(/inputs\.parameter_values\['pipelinechannel--([^']+)'\]/g, '$1')
    .replace(/int\(([^)]*)\)/g, '$1');
}

function iteratorText(iterator: Json | undefined): string {
  const items = iterator?.items ?? iterator;
  if (!items) {
    return '';
  }
  if (items.inputParameter) {
    return String(items.inputParameter).replace(/^pipelinechannel--/, '');
  }
  if (items.raw) {
    return String(items.raw);
  }
  return JSON.stringify(items);
}

function note(node: IGraphNode): string {
  if (node.kind === 'condition' && node.condition) {
    return `if ${conditionText(node.condition)}`;
  }
  if (node.kind === 'loop') {
    return `for each in ${iteratorText(node.iterator)}`;
  }
  if (node.kind === 'dag') {
    return 'sub-pipeline';
  }
  return '';
}

const CHAR_W = 6.5; // about, at 12px
const MAX_NOTE = 360;

function clip(text: string, width: number): string {
  const max = Math.max(4, Math.floor(width / CHAR_W));
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

let graphs = 0;

export function GraphView(props: {
  nodes: IGraphNode[];
  edges: IGraphEdge[];
  selected: string | null;
  onSelect: (id: string) => void;
}): JSX.Element {
  const { nodes, edges } = props;
  // Ids are document-wide, and a marker in a hidden tab does not draw: each graph has its own arrow.
  const arrow = React.useMemo(() => `em-arrow-${++graphs}`, []);
  const placed = React.useMemo(
    () => layout(nodes, edges, node => Math.min(MAX_NOTE, 16 + CHAR_W * Math.max(node.name.length, note(node).length))),
    [JSON.stringify(nodes.map(n => [n.id, n.parent])), edges]
  );
  const depth = (node: IGraphNode): number => {
    let d = 0;
    let parent = node.parent;
    while (parent) {
      d++;
      parent = nodes.find(n => n.id === parent)?.parent ?? null;
    }
    return d;
  };
  const groups = nodes.filter(n => n.kind !== 'task').sort((a, b) => depth(a) - depth(b));
  const tasks = nodes.filter(n => n.kind === 'task');
  const stateClass = (node: IGraphNode) => (node.state ? ` jp-EasyMaker-state-${node.state.toLowerCase()}` : '');
  const common = (node: IGraphNode) => ({
    'data-id': node.id,
    'data-kind': node.kind,
    'data-state': node.state,
    role: 'button',
    tabIndex: 0,
    'aria-label': `${node.kind} ${node.name}${node.state ? ` ${node.state}` : ''}`,
    'aria-pressed': props.selected === node.id,
    onClick: (event: React.MouseEvent) => {
      event.stopPropagation();
      props.onSelect(node.id);
    },
    onKeyDown: (event: React.KeyboardEvent) => {
      if (event.key === 'Enter' || event.key === ' ') {
        event.preventDefault();
        props.onSelect(node.id);
      }
    }
  });
  return (
    <svg
      className="jp-EasyMaker-graph"
      width={placed.width}
      height={placed.height}
      viewBox={`0 0 ${placed.width} ${placed.height}`}
      role="group"
      aria-label="Pipeline graph"
    >
      <defs>
        <marker id={arrow} viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto">
          <path d="M 0 0 L 10 5 L 0 10 z" className="jp-EasyMaker-graph-arrow" />
        </marker>
      </defs>
      {groups.map(node => {
        const box = placed.boxes.get(node.id);
        if (!box) {
          return null;
        }
        const selected = props.selected === node.id ? ' jp-mod-selected' : '';
        return (
          <g
            key={node.id}
            className={`jp-EasyMaker-graph-node jp-EasyMaker-graph-group jp-EasyMaker-graph-${node.kind}${stateClass(node)}${selected}`}
            {...common(node)}
          >
            <title>{[node.name, note(node)].filter(Boolean).join(': ')}</title>
            <rect x={box.x} y={box.y} width={box.w} height={box.h} rx={6} />
            <text className="jp-EasyMaker-graph-label" x={box.x + 8} y={box.y + 16}>
              {clip(node.name, box.w - 16)}
            </text>
            <text className="jp-EasyMaker-graph-note" x={box.x + 8} y={box.y + 31}>
              {clip(note(node), box.w - 16)}
            </text>
            <line className="jp-EasyMaker-graph-band" x1={box.x} x2={box.x + box.w} y1={box.y + HEADER - 4} y2={box.y + HEADER - 4} />
            {node.state && <circle className="jp-EasyMaker-graph-dot" cx={box.x + box.w - 12} cy={box.y + 12} r={4} />}
          </g>
        );
      })}
      {edges.map(edge => {
        const from = placed.boxes.get(edge.source);
        const to = placed.boxes.get(edge.target);
        return from && to ? (
          <path
            key={`${edge.source}->${edge.target}`}
            className="jp-EasyMaker-graph-edge"
            data-source={edge.source}
            data-target={edge.target}
            d={edgePath(from, to)}
            markerEnd={`url(#${arrow})`}
          />
        ) : null;
      })}
      {tasks.map(node => {
        const box = placed.boxes.get(node.id);
        if (!box) {
          return null;
        }
        const selected = props.selected === node.id ? ' jp-mod-selected' : '';
        return (
          <g
            key={node.id}
            className={`jp-EasyMaker-graph-node jp-EasyMaker-graph-task${stateClass(node)}${selected}`}
            {...common(node)}
          >
            <title>{`${node.name}${node.state ? ` (${node.state})` : ''}`}</title>
            <rect x={box.x} y={box.y} width={box.w} height={box.h} rx={4} />
            <circle className="jp-EasyMaker-graph-dot" cx={box.x + 12} cy={box.y + box.h / 2} r={4} />
            <text className="jp-EasyMaker-graph-label" x={box.x + 22} y={box.y + box.h / 2 + 4}>
              {clip(node.name, box.w - 30)}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

/** Fetch a file route with the lab's credentials and hand it to the browser as a download. */
export async function download(api: EasyMakerApi, path: string, fallback: string): Promise<void> {
  const response = await ServerConnection.makeRequest(await api.appUrl(path), {}, api.settings);
  if (!response.ok) {
    let message = `HTTP ${response.status}`;
    try {
      message = (await response.json()).header?.resultMessage || message;
    } catch {
      // not JSON: keep the status
    }
    throw new Error(message);
  }
  const blob = await response.blob();
  const named = /filename="([^"]+)"/.exec(response.headers.get('Content-Disposition') || '');
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = named ? named[1] : fallback;
  document.body.appendChild(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
}

function ValueTable(props: { title: string; rows: [string, any][] }): JSX.Element | null {
  if (!props.rows.length) {
    return null;
  }
  return (
    <table className="jp-EasyMaker-table jp-EasyMaker-task-values" aria-label={props.title}>
      <caption>{props.title}</caption>
      <tbody>
        {props.rows.map(([name, value]) => (
          <tr key={name}>
            <th scope="row">{name}</th>
            <td>{typeof value === 'object' ? JSON.stringify(value) : String(value)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const LIVE = ['RUNNING', 'PENDING'];

function TaskLog(props: { api: EasyMakerApi; base: string; route: string; task: Json }): JSX.Element {
  const { task } = props;
  const live = LIVE.includes(task.state);
  const [body, error] = usePoll(
    () => props.api.get(`${props.base}/${props.route}?taskId=${encodeURIComponent(task.taskId)}`),
    live ? 2000 : 0,
    [task.taskId, live]
  );
  return (
    <div className="jp-EasyMaker-task-log-box">
      <ErrorNote error={error} />
      <pre className="jp-EasyMaker-task-log" tabIndex={0} aria-label={`Log of ${task.taskName}`}>
        {body ? body.log || '(empty)' : 'Loading…'}
      </pre>
    </div>
  );
}

function Task(props: { api: EasyMakerApi; kind: IKind; base: string; task: Json }): JSX.Element {
  const { api, kind, base, task } = props;
  const graph = kind.graph!;
  const [error, setError] = React.useState<string | null>(null);
  const fetchArtifact = async (name: string) => {
    setError(null);
    const query = `taskId=${encodeURIComponent(task.taskId)}&artifactName=${encodeURIComponent(name)}`;
    try {
      await download(api, `${base}/${graph.artifact}?${query}`, name);
    } catch (err: any) {
      setError(`Cannot download ${name}: ${err.message}`);
    }
  };
  const params = (list: Json[]): [string, any][] => (list || []).map(p => [p.parameterName, p.parameterValue]);
  const artifacts: Json[] = task.outputArtifactList || [];
  return (
    <section className="jp-EasyMaker-task" data-task-id={task.taskId} aria-label={`Task ${task.taskId}`}>
      <h3>
        {task.taskId}{' '}
        <span className={`jp-EasyMaker-task-state jp-EasyMaker-state-${String(task.state).toLowerCase()}`}>
          {task.state}
        </span>
      </h3>
      {task.message && <p className="jp-EasyMaker-task-message">{task.message}</p>}
      <ValueTable
        title="Task"
        rows={[
          ['Component', task.component],
          ['Started', task.startedDatetime ?? '-'],
          ['Finished', task.finishedDatetime ?? '-']
        ]}
      />
      <ValueTable title="Input parameters" rows={params(task.inputParameterList)} />
      <ValueTable title="Output parameters" rows={params(task.outputParameterList)} />
      <ErrorNote error={error} />
      {artifacts.length > 0 && graph.artifact && (
        <ul className="jp-EasyMaker-artifacts" aria-label="Output artifacts">
          {artifacts.map(a => (
            <li key={a.name}>
              <button className="jp-mod-styled jp-EasyMaker-download" onClick={() => void fetchArtifact(a.name)}>
                Download {a.name}
              </button>{' '}
              <span className="jp-EasyMaker-artifact-type">{a.schemaTitle}</span>
            </li>
          ))}
        </ul>
      )}
      {task.hasLog && graph.log && <TaskLog api={api} base={base} route={graph.log} task={task} />}
    </section>
  );
}

function NodeInfo(props: { node: IGraphNode }): JSX.Element {
  const { node } = props;
  const rows: [string, any][] = [
    ['Name', node.name],
    ['Id', node.id],
    ['Type', node.kind],
    ['Component', node.component ?? '-']
  ];
  if (node.condition) {
    rows.push(['Condition', conditionText(node.condition)]);
  }
  if (node.iterator) {
    rows.push(['Iterates over', iteratorText(node.iterator)]);
  }
  if (node.state) {
    rows.push(['State', node.state]);
  }
  return <ValueTable title="Node" rows={rows} />;
}

/** The tasks of one node (a loop's body has one per iteration), polled while the run is live. */
function NodeTasks(props: { api: EasyMakerApi; kind: IKind; base: string; node: IGraphNode }): JSX.Element {
  const { api, kind, base, node } = props;
  const live = LIVE.includes(node.state || '');
  const [body, error] = usePoll(() => api.get(`${base}/${kind.graph!.tasks}`), live ? 2000 : 0, [
    node.id,
    node.state
  ]);
  const tasks: Json[] = (body?.taskList || []).filter((t: Json) => t.nodeId === node.id);
  return (
    <div>
      <ErrorNote error={error} />
      {body && !tasks.length && <p className="jp-EasyMaker-empty">This step has not run (yet).</p>}
      {tasks.map(task => (
        <Task key={task.taskId} api={api} kind={kind} base={base} task={task} />
      ))}
    </div>
  );
}

export function GraphTab(props: { api: EasyMakerApi; kind: IKind; id: string }): JSX.Element {
  const { api, kind, id } = props;
  const graph = kind.graph!;
  const base = `${kind.path}/${encodeURIComponent(id)}`;
  const [selected, setSelected] = React.useState<string | null>(null);
  // A run's graph follows it until it is over (its status is one a finished item has: the kind's deletable ones).
  const [live, setLive] = React.useState(!!graph.tasks);
  const [body, error] = usePoll(() => api.get(`${base}/${graph.route}`), live ? 2000 : 0, [id, live]);
  const status = kind.statusField ? body?.[kind.statusField] : undefined;
  React.useEffect(() => {
    if (graph.tasks && status) {
      setLive(!kind.deletable.includes(status));
    }
  }, [status]);
  const nodes: IGraphNode[] = body?.graph?.nodes || [];
  const edges: IGraphEdge[] = body?.graph?.edges || [];
  const node = nodes.find(n => n.id === selected) || null;
  return (
    <div className="jp-EasyMaker-graph-tab">
      <ErrorNote error={error} />
      <div className="jp-EasyMaker-graph-scroll" onClick={() => setSelected(null)}>
        {body && <GraphView nodes={nodes} edges={edges} selected={selected} onSelect={setSelected} />}
      </div>
      <aside className="jp-EasyMaker-graph-side" aria-label="Selected node">
        {!node && <p className="jp-EasyMaker-empty">Select a node in the graph to see more information.</p>}
        {node && <NodeInfo node={node} />}
        {node && graph.tasks && <NodeTasks api={api} kind={kind} base={base} node={node} />}
      </aside>
    </div>
  );
}
