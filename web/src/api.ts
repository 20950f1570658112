import type { Lang } from './i18n.ts';

export interface Problem {
  type?: string;
  title?: string;
  detail?: string;
  status?: number;
  code?: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(problem.title ?? `HTTP ${status}`);
  }
}

/** A network failure (offline, server gone): distinct from an answer the server gave. */
export class NetworkError extends Error {}

let currentLang: Lang = 'ru';
export function setApiLang(lang: Lang): void {
  currentLang = lang;
}

function idempotencyKey(): string {
  return crypto.randomUUID();
}

export async function api<T>(path: string, opts: { method?: string; body?: unknown; idempotent?: boolean } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', 'accept-language': currentLang };
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (opts.idempotent) headers['idempotency-key'] = idempotencyKey();
  let res: Response;
  try {
    res = await fetch(path.startsWith('/') ? path : `/api/v1/${path}`, {
      method: opts.method ?? 'GET',
      headers,
      credentials: 'same-origin',
      body: opts.body === undefined ? null : JSON.stringify(opts.body),
    });
  } catch (e) {
    throw new NetworkError((e as Error).message);
  }
  if (res.status === 204) return undefined as T;
  const isJson = (res.headers.get('content-type') ?? '').includes('json');
  const data: unknown = isJson ? await res.json() : await res.text();
  if (!res.ok) throw new ApiError(res.status, isJson ? (data as Problem) : { title: String(data).slice(0, 200) });
  return data as T;
}

export function errorText(e: unknown): string {
  if (e instanceof ApiError) return e.problem.detail && e.problem.detail !== e.problem.title ? `${e.problem.title ?? ''} ${e.problem.detail}`.trim() : (e.problem.title ?? e.message);
  if (e instanceof Error) return e.message;
  return String(e);
}
