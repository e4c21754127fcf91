// The server's JSON API, same origin only. A refusal becomes an ApiError carrying the server's {error, message}
// and, for 429, the Retry-After seconds.

export class ApiError extends Error {
  constructor(status, code, message, retryAfter = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

export async function call(method, path, body, token) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store",
      redirect: "error",
    });
  } catch {
    throw new ApiError(0, "network", "The server cannot be reached. Check that it is running, then try again.");
  }
  if (response.status === 204) return null;
  let json = null;
  try {
    json = await response.json();
  } catch {
    json = null;
  }
  if (!response.ok) {
    const code = (json && json.error) || `http_${response.status}`;
    let message = (json && json.message) || `The server answered ${response.status} ${response.statusText}.`.trim();
    const retryAfter = response.status === 429 ? retryAfterSeconds(response.headers.get("Retry-After")) : null;
    if (retryAfter !== null && !message.includes(String(retryAfter))) {
      message += ` Try again in ${retryAfter} s.`;
    }
    throw new ApiError(response.status, code, message, retryAfter);
  }
  return json;
}

/** Retry-After as seconds from now: either a number of seconds or an HTTP date. */
function retryAfterSeconds(header) {
  if (!header) return null;
  if (/^\d+$/.test(header.trim())) return Number(header.trim());
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(1, Math.ceil((date - Date.now()) / 1000));
}
