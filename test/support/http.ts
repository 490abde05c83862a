/** One JSON call to the api as a page or app would make it; the answer parsed when it is JSON. */
export interface CallResult<T = any> {
  status: number;
  body: T;
  contentType: string;
  headers: Record<string, string>;
}

export async function callApi<T = any>(
  baseUrl: string,
  method: string,
  path: string,
  token?: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<CallResult<T>> {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  const answerHeaders: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    answerHeaders[name] = value;
  });
  return { status: res.status, body: parsed as T, contentType: res.headers.get('content-type') ?? '', headers: answerHeaders };
}
