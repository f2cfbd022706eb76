/**
 * The REST API under {base_url}easymaker/, through the lab's ServerConnection (its token and XSRF apply).
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import { IKind } from './registry';

export interface IFieldError {
  field: string;
  message: string;
}

/** A refused request: the server's message, and the fields it names (400 answers carry errorList). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors: IFieldError[] = []
  ) {
    super(message);
  }
}

export type Json = { [key: string]: any };

export class EasyMakerApi {
  readonly settings = ServerConnection.makeSettings();
  private _appkey: Promise<string> | null = null;
  private _openapi: Promise<Json> | null = null;
  private _kinds: Promise<IKind[]> | null = null;

  /** The full URL of a path under {base_url}easymaker/. */
  url(path: string): string {
    return URLExt.join(this.settings.baseUrl, 'easymaker', path);
  }

  async request(path: string, init: RequestInit = {}): Promise<Json> {
    const headers = init.body ? { 'Content-Type': 'application/json' } : undefined;
    let response: Response;
    try {
      response = await ServerConnection.makeRequest(this.url(path), { headers, ...init }, this.settings);
    } catch (err) {
      throw new ApiError(0, `The server did not answer: ${err}`);
    }
    let body: Json = {};
    try {
      body = await response.json();
    } catch {
      body = {};
    }
    if (!response.ok || body.header?.isSuccessful === false) {
      const message = body.header?.resultMessage || response.statusText || `HTTP ${response.status}`;
      throw new ApiError(response.status, message, body.errorList || []);
    }
    return body;
  }

  appkey(): Promise<string> {
    if (!this._appkey) {
      this._appkey = this.request('v1.0/info').then(body => body.info.defaultAppkey as string);
      this._appkey.catch(() => (this._appkey = null));
    }
    return this._appkey;
  }

  /** Path under the appkey: `trainings`, `trainings/{id}/stop`, … */
  async appUrl(path: string): Promise<string> {
    return this.url(`v1.0/appkeys/${await this.appkey()}/${path}`);
  }

  async call(path: string, init: RequestInit = {}): Promise<Json> {
    return this.request(`v1.0/appkeys/${await this.appkey()}/${path}`, init);
  }

  get(path: string): Promise<Json> {
    return this.call(path);
  }

  post(path: string, body: Json): Promise<Json> {
    return this.call(path, { method: 'POST', body: JSON.stringify(body) });
  }

  put(path: string, body?: Json): Promise<Json> {
    return this.call(path, { method: 'PUT', body: body ? JSON.stringify(body) : undefined });
  }

  delete(path: string): Promise<Json> {
    return this.call(path, { method: 'DELETE' });
  }

  openapi(): Promise<Json> {
    if (!this._openapi) {
      this._openapi = this.request('openapi.json');
      this._openapi.catch(() => (this._openapi = null));
    }
    return this._openapi;
  }

  kinds(): Promise<IKind[]> {
    if (!this._kinds) {
      this._kinds = this.request('v1.0/ui/kinds').then(body => body.kindList as IKind[]);
      this._kinds.catch(() => (this._kinds = null));
    }
    return this._kinds;
  }

  async list(kind: IKind, query = ''): Promise<Json[]> {
    const body = await this.get(kind.path + query);
    return (body[kind.listKey] || []) as Json[];
  }
}
