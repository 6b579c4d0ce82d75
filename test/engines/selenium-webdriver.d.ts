// The few selenium-webdriver APIs the WebKit driver uses (the package ships no types).
declare module 'selenium-webdriver' {
  export class Capabilities {
    constructor(values?: Record<string, unknown>);
  }
  export interface WebDriver {
    manage(): { setTimeouts(timeouts: { script?: number; pageLoad?: number }): Promise<void> };
    get(url: string): Promise<void>;
    wait(condition: () => Promise<unknown>, timeoutMs: number): Promise<unknown>;
    executeScript<T = unknown>(script: string, ...args: unknown[]): Promise<T>;
    executeAsyncScript<T = unknown>(script: string, ...args: unknown[]): Promise<T>;
    getCapabilities(): Promise<{ get(key: string): unknown }>;
    quit(): Promise<void>;
  }
  export class Builder {
    usingServer(url: string): Builder;
    withCapabilities(capabilities: Capabilities): Builder;
    build(): Promise<WebDriver>;
  }
}
