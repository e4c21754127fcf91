// The server's JSON API. Errors carry the server's {error, message} and, for 429, the Retry-After seconds.

export class ApiError extends Error {
  constructor(status, code, message, retryAfter) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

export async function call(method, path, body, token) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
    cache: "no-store",
  });
  if (response.status === 204) return null;
  let json = null;
  try {
    json = await response.json();
  } catch {
    json = null;
  }
  if (!response.ok) {
    const retryAfter = response.headers.get("Retry-After");
    let message = (json && json.message) || `The server answered ${response.status}.`;
    if (response.status === 429 && retryAfter) message += ` Try again in ${retryAfter} s.`;
    throw new ApiError(response.status, (json && json.error) || "http_error", message, retryAfter);
  }
  return json;
}
