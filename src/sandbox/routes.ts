// A route table of `{param}` path templates, shared by the sandbox forge and the sandbox CI.
export interface RouteMatch<H> {
  handler: H;
  params: Record<string, string>;
  template: string;
}

/** First registered route wins: register literal segments (`latest`, `lookup`) before parameters. */
export class Routes<H> {
  private readonly routes: { method: string; template: string; regex: RegExp; names: string[]; handler: H }[] = [];
  private readonly paramPattern: (name: string) => string;

  /** `paramPattern` gives the regex of a `{name}` parameter; default: one path segment. */
  constructor(paramPattern: (name: string) => string = () => "[^/]+") {
    this.paramPattern = paramPattern;
  }

  add(method: string, template: string, handler: H): void {
    const names: string[] = [];
    const re = template.replace(/[.+^$()|[\]\\]/g, "\\$&").replace(/\{(\w+)\}/g, (_m, name: string) => {
      names.push(name);
      return `(${this.paramPattern(name)})`;
    });
    this.routes.push({ method, template, regex: new RegExp(`^${re}$`), names, handler });
  }

  /** undefined: no such path; "method": the path exists with other methods. */
  match(method: string, path: string): RouteMatch<H> | "method" | undefined {
    let pathMatched = false;
    for (const r of this.routes) {
      const m = r.regex.exec(path);
      if (!m) continue;
      pathMatched = true;
      if (r.method !== method) continue;
      const params: Record<string, string> = {};
      r.names.forEach((n, i) => {
        params[n] = decodeURIComponent(m[i + 1] ?? "");
      });
      return { handler: r.handler, params, template: r.template };
    }
    return pathMatched ? "method" : undefined;
  }

  list(): { method: string; template: string }[] {
    return this.routes.map((r) => ({ method: r.method, template: r.template }));
  }
}
