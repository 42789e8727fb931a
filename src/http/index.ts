export { HttpClient, buildPath, buildQuery, type HttpClientOptions, type HttpMethod, type HttpResponse, type PathParam, type QueryValue, type RequestOptions, type Route, type WriteGuard } from "./client.ts";
export { redactBody, summarizeBody } from "./body.ts";
export { RequestCounter, type RequestStats } from "./counter.ts";
export { HttpError, HttpLayerError, NetworkError, SchemaError, TimeoutError, hasStatus, isSafeToResend, isUnknownOutcome, type RequestDescription } from "./errors.ts";
export { DEFAULT_PAGE_LIMIT, collect, pages, parseLinkHeader, type PageOptions } from "./paginate.ts";
export { DEFAULT_RETRY, backoffDelay, isIdempotentMethod, parseRetryAfter, type RetryPolicy } from "./retry.ts";
