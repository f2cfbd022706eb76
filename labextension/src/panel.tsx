/** The "EasyMaker" sidebar: one tab per kind the server offers, a filter box and a live, virtualised list. */
import { ReactWidget } from '@jupyterlab/ui-components';
import React from 'react';

import { EasyMakerApi, Json } from './api';
import { ErrorNote, StatusBadge, VirtualList } from './components';
import { age, IKind, itemId, itemName, itemStatus } from './registry';
import { humanize } from './schema';

export const REFRESH_MS = 2000;
const ROW_HEIGHT = 44;

export interface IPanelActions {
  open(kind: IKind, item: Json): void;
  create(kind: IKind): void;
}

function Panel(props: { api: EasyMakerApi; actions: IPanelActions; refresh: { bump: number } }): JSX.Element {
  const { api } = props;
  const [kinds, setKinds] = React.useState<IKind[]>([]);
  const [active, setActive] = React.useState<string | null>(null);
  const [items, setItems] = React.useState<{ [kind: string]: Json[] }>({});
  const [filter, setFilter] = React.useState('');
  const [error, setError] = React.useState<string | null>(null);
  const [now, setNow] = React.useState(Date.now());

  React.useEffect(() => {
    api
      .kinds()
      .then(found => {
        setKinds(found);
        setActive(current => current ?? found[0]?.kind ?? null);
      })
      .catch(err => setError(`Cannot reach the EasyMaker API: ${err.message}`));
  }, []);

  const kind = kinds.find(k => k.kind === active) || null;

  React.useEffect(() => {
    if (!kind) {
      return;
    }
    let stopped = false;
    let timer = 0;
    const load = async () => {
      const started = Date.now();
      let took = 0;
      try {
        const list = await api.list(kind);
        took = Date.now() - started;
        if (!stopped) {
          setItems(current => ({ ...current, [kind.kind]: list }));
          setNow(Date.now());
          setError(null);
        }
      } catch (err: any) {
        if (!stopped) {
          setError(err.message);
        }
      }
      if (!stopped) {
        // A long list costs the server more to answer: poll it less often (10x the last answer's time).
        const wait = Math.max(REFRESH_MS, 10 * took);
        timer = window.setTimeout(load, document.hidden ? wait * 5 : wait);
      }
    };
    void load();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
  }, [kind, props.refresh.bump]);

  const all = (kind && items[kind.kind]) || [];
  const needle = filter.trim().toLowerCase();
  const shown = React.useMemo(
    () =>
      !kind || !needle
        ? all
        : all.filter(item =>
            [itemName(kind, item), itemId(kind, item), itemStatus(kind, item) || ''].some(v =>
              v.toLowerCase().includes(needle)
            )
          ),
    [all, needle, kind]
  );

  return (
    <div className="jp-EasyMaker-panel">
      <header className="jp-EasyMaker-panel-header">
        <h2>EasyMaker</h2>
      </header>
      <div className="jp-EasyMaker-kinds" role="tablist" aria-label="Resource kinds">
        {kinds.map(k => (
          <button
            key={k.kind}
            role="tab"
            aria-selected={k.kind === active}
            className={`jp-EasyMaker-kind${k.kind === active ? ' jp-mod-active' : ''}`}
            data-kind={k.kind}
            onClick={() => setActive(k.kind)}
          >
            {k.label}
          </button>
        ))}
      </div>
      {kind && (
        <div className="jp-EasyMaker-toolbar">
          <input
            className="jp-EasyMaker-filter jp-mod-styled"
            type="search"
            placeholder={`Filter ${kind.label.toLowerCase()}`}
            aria-label={`Filter ${kind.label.toLowerCase()}`}
            value={filter}
            onChange={event => setFilter(event.target.value)}
          />
          {kind.actions.includes('create') && (
            <button
              className="jp-mod-styled jp-mod-accept jp-EasyMaker-create"
              onClick={() => props.actions.create(kind)}
              title={`Create ${kind.singular}`}
            >
              + Create
            </button>
          )}
        </div>
      )}
      <ErrorNote error={error} />
      {kind && (
        <div className="jp-EasyMaker-count" aria-live="polite">
          {needle ? `${shown.length} of ${all.length}` : `${all.length}`}{' '}
          {all.length === 1 ? kind.singular : kind.label.toLowerCase()}
        </div>
      )}
      {kind && (
        <VirtualList
          items={shown}
          rowHeight={ROW_HEIGHT}
          label={kind.label}
          keyOf={item => itemId(kind, item)}
          onOpen={item => props.actions.open(kind, item)}
          renderRow={item => (
            <>
              <span className="jp-EasyMaker-row-name" title={itemName(kind, item)}>
                {itemName(kind, item)}
              </span>
              <span className="jp-EasyMaker-row-meta">
                <StatusBadge kind={kind} status={itemStatus(kind, item)} />
                {kind.columns.map(column => (
                  <span key={column} className="jp-EasyMaker-row-column">
                    {humanize(column)}: {String(item[column] ?? '-')}
                  </span>
                ))}
                <span className="jp-EasyMaker-age" title={item.createdDatetime}>
                  {age(item.createdDatetime, now)}
                </span>
              </span>
            </>
          )}
        />
      )}
    </div>
  );
}

export class EasyMakerPanel extends ReactWidget {
  private _refresh = { bump: 0 };

  constructor(
    private readonly api: EasyMakerApi,
    private readonly actions: IPanelActions
  ) {
    super();
    this.id = 'jupyter-easymaker-panel';
    this.addClass('jp-EasyMaker');
  }

  /** Reload now (after a create, stop or delete) rather than at the next tick. */
  refresh(): void {
    this._refresh = { bump: this._refresh.bump + 1 };
    this.update();
  }

  render(): JSX.Element {
    return <Panel api={this.api} actions={this.actions} refresh={this._refresh} />;
  }
}
