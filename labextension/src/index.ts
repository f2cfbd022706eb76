import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { Dialog, ICommandPalette, IFrame, MainAreaWidget, showDialog, showErrorMessage } from '@jupyterlab/apputils';
import { LabIcon } from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';

import { EasyMakerApi, Json } from './api';
import { DetailWidget, IDetailActions } from './detail';
import { FormWidget } from './form';
import { EasyMakerPanel } from './panel';
import { canDelete, IKind, itemId, itemName } from './registry';
import { addUploadCommand } from './upload';

const ICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="16" viewBox="0 0 24 24">
<g class="jp-icon3" fill="#616161"><path d="M4 4h7v7H4zM13 4h7v7h-7zM4 13h7v7H4z"/>
<path d="M16.5 13l3.5 3.5-3.5 3.5-3.5-3.5z"/></g></svg>`;

export const easymakerIcon = new LabIcon({ name: 'jupyter-easymaker:icon', svgstr: ICON_SVG });

const COMMANDS = {
  panel: 'easymaker:open-panel',
  create: 'easymaker:create',
  open: 'easymaker:open'
};

/** Opens, creates and acts on resources; the panel, the detail tabs and the forms call it. */
class Controller implements IDetailActions {
  panel: EasyMakerPanel | null = null;
  private details = new Map<string, MainAreaWidget<DetailWidget>>();

  constructor(
    private readonly app: JupyterFrontEnd,
    readonly api: EasyMakerApi
  ) {}

  async kind(name: string): Promise<IKind | undefined> {
    return (await this.api.kinds()).find(k => k.kind === name);
  }

  open(kind: IKind, item: Json): void {
    const key = `${kind.kind}/${itemId(kind, item)}`;
    const existing = this.details.get(key);
    if (existing && !existing.isDisposed) {
      this.app.shell.activateById(existing.id);
      return;
    }
    const content = new DetailWidget(this.api, kind, itemId(kind, item), this);
    const widget = new MainAreaWidget({ content });
    widget.id = `easymaker-${kind.kind}-${itemId(kind, item)}`;
    widget.title.label = itemName(kind, item);
    widget.title.caption = `${kind.singular} ${itemId(kind, item)}`;
    widget.title.icon = easymakerIcon;
    widget.title.closable = true;
    this.details.set(key, widget);
    widget.disposed.connect(() => this.details.delete(key));
    this.app.shell.add(widget, 'main');
    this.app.shell.activateById(widget.id);
  }

  create(kind: IKind, source: Json | null = null): void {
    const content = new FormWidget(this.api, kind, source, {
      created: (createdKind, item) => {
        widget.dispose();
        this.panel?.refresh();
        this.open(createdKind, item);
      }
    });
    const widget = new MainAreaWidget({ content });
    widget.id = `easymaker-form-${kind.kind}-${Date.now()}`;
    widget.title.label = source ? `Copy ${itemName(kind, source)}` : `New ${kind.singular}`;
    widget.title.icon = easymakerIcon;
    widget.title.closable = true;
    this.app.shell.add(widget, 'main');
    this.app.shell.activateById(widget.id);
  }

  copy(kind: IKind, item: Json): void {
    this.create(kind, item);
  }

  async stop(kind: IKind, item: Json): Promise<void> {
    const answer = await showDialog({
      title: `Stop ${kind.singular} ${itemName(kind, item)}?`,
      body: 'The work in progress is ended; what it saved so far is kept.',
      buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'Stop' })]
    });
    if (!answer.button.accept) {
      return;
    }
    try {
      await this.api.put(`${kind.path}/${itemId(kind, item)}/stop`);
    } catch (err: any) {
      await showErrorMessage(`Cannot stop ${itemName(kind, item)}`, err.message);
    }
    this.panel?.refresh();
  }

  async transition(kind: IKind, item: Json, action: 'start' | 'reboot'): Promise<void> {
    const label = action === 'start' ? 'Start' : 'Reboot';
    const answer = await showDialog({
      title: `${label} ${kind.singular} ${itemName(kind, item)}?`,
      body: 'The requested action cannot be cancelled.',
      buttons: [Dialog.cancelButton(), Dialog.okButton({ label })]
    });
    if (!answer.button.accept) {
      return;
    }
    try {
      await this.api.put(`${kind.path}/${itemId(kind, item)}/${action}`);
    } catch (err: any) {
      await showErrorMessage(`Cannot ${action} ${itemName(kind, item)}`, err.message);
    }
    this.panel?.refresh();
  }

  async retry(kind: IKind, item: Json): Promise<void> {
    try {
      await this.api.put(`${kind.path}/${itemId(kind, item)}/retry`);
    } catch (err: any) {
      await showErrorMessage(`Cannot retry ${itemName(kind, item)}`, err.message);
    }
    this.panel?.refresh();
  }

  async remove(kind: IKind, item: Json): Promise<boolean> {
    const name = itemName(kind, item);
    if (!canDelete(kind, item)) {
      await showErrorMessage(
        `Cannot delete ${name}`,
        `A ${kind.singular} can be deleted only in ${kind.deletable.join(', ')}. Stop it first.`
      );
      return false;
    }
    const answer = await showDialog({
      title: `Delete ${kind.singular} ${name}?`,
      body: 'Requested deletion cannot be undone. Click OK to proceed.',
      buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'OK' })]
    });
    if (!answer.button.accept) {
      return false;
    }
    try {
      await this.api.delete(`${kind.path}/${itemId(kind, item)}`);
    } catch (err: any) {
      await showErrorMessage(`Cannot delete ${name}`, err.message);
      return false;
    }
    this.details.get(`${kind.kind}/${itemId(kind, item)}`)?.dispose();
    this.panel?.refresh();
    return true;
  }

  async tensorboard(kind: IKind, item: Json): Promise<void> {
    const path = (item.tensorboardAccessPath as string) || `${kind.path}/${itemId(kind, item)}/tensorboard`;
    const content = new IFrame({
      sandbox: ['allow-scripts', 'allow-same-origin', 'allow-forms', 'allow-popups', 'allow-downloads']
    });
    content.url = `${await this.api.appUrl(path.replace(/\/?$/, '/'))}`;
    content.addClass('jp-EasyMaker-tensorboard');
    const widget = new MainAreaWidget<Widget>({ content });
    widget.id = `easymaker-tensorboard-${kind.kind}-${itemId(kind, item)}-${Date.now()}`;
    widget.title.label = `TensorBoard: ${itemName(kind, item)}`;
    widget.title.icon = easymakerIcon;
    widget.title.closable = true;
    this.app.shell.add(widget, 'main');
    this.app.shell.activateById(widget.id);
  }
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-easymaker:plugin',
  description: 'The EasyMaker sidebar: browse, create and act on experiments, trainings and templates.',
  autoStart: true,
  optional: [ICommandPalette],
  activate: (app: JupyterFrontEnd, palette: ICommandPalette | null) => {
    const api = new EasyMakerApi();
    const controller = new Controller(app, api);
    const panel = new EasyMakerPanel(api, {
      open: (kind, item) => controller.open(kind, item),
      create: kind => controller.create(kind)
    });
    controller.panel = panel;
    panel.title.icon = easymakerIcon;
    panel.title.caption = 'EasyMaker';
    app.shell.add(panel, 'left', { rank: 650 });

    app.commands.addCommand(COMMANDS.panel, {
      label: 'Show the EasyMaker panel',
      execute: () => app.shell.activateById(panel.id)
    });
    app.commands.addCommand(COMMANDS.create, {
      label: args => `EasyMaker: create in ${args.kind ?? 'a kind'}`,
      execute: async args => {
        const kind = await controller.kind(String(args.kind));
        if (kind) {
          controller.create(kind);
        }
      }
    });
    app.commands.addCommand(COMMANDS.open, {
      label: 'EasyMaker: open a resource',
      execute: async args => {
        const kind = await controller.kind(String(args.kind));
        if (kind) {
          controller.open(kind, { [kind.idField]: args.id, [kind.nameField]: args.name ?? args.id });
        }
      }
    });
    palette?.addItem({ command: COMMANDS.panel, category: 'EasyMaker' });
    addUploadCommand(app, api, (kind, item) => {
      panel.refresh();
      controller.open(kind, item);
    });
    void api
      .kinds()
      .then(kinds => {
        for (const kind of kinds.filter(k => k.actions.includes('create'))) {
          palette?.addItem({ command: COMMANDS.create, category: 'EasyMaker', args: { kind: kind.kind } });
        }
      })
      .catch(() => undefined); // the panel says why the API cannot be reached
  }
};

export default plugin;
