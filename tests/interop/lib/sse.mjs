// tests/interop/lib/sse.mjs: a minimal server-sent-events reader (no EventSource package): one GET
// with the peer's bearer token, the response body parsed into {event, data} records as they
// arrive. Tests count the events of a name and wait (bounded) for the next one.
import { setTimeout as sleep } from "node:timers/promises";

export class SseStream {
    constructor(label) {
        this.label = label;
        this.events = [];
        this.closed = false;
        this.controller = new AbortController();
    }

    /** Opens url with the bearer token; resolves once the response headers arrived. */
    async open(url, token) {
        const headers = { accept: "text/event-stream" };
        if (token) headers.authorization = `Bearer ${token}`;
        this.response = await fetch(url, { headers, signal: this.controller.signal });
        this.status = this.response.status;
        this.contentType = this.response.headers.get("content-type") ?? "";
        if (this.status === 200 && this.response.body) this.pump();
        else {
            this.body = await this.response.text().catch(() => "");
            this.closed = true;
        }
        return this;
    }

    async pump() {
        const decoder = new TextDecoder();
        let buffer = "";
        let current = { event: "message", data: [] };
        try {
            for await (const chunk of this.response.body) {
                buffer += decoder.decode(chunk, { stream: true });
                let newline;
                while ((newline = buffer.search(/\r\n|\n|\r/)) >= 0) {
                    const line = buffer.slice(0, newline);
                    buffer = buffer.slice(newline + (buffer.startsWith("\r\n", newline) ? 2 : 1));
                    if (line === "") {
                        if (current.data.length > 0 || current.event !== "message") this.events.push({ event: current.event, data: current.data.join("\n"), at: Date.now() });
                        current = { event: "message", data: [] };
                    } else if (!line.startsWith(":")) {
                        const colon = line.indexOf(":");
                        const field = colon < 0 ? line : line.slice(0, colon);
                        const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
                        if (field === "event") current.event = value;
                        else if (field === "data") current.data.push(value);
                    }
                }
            }
        } catch (e) {
            if (e.name !== "AbortError") this.error = e;
        }
        this.closed = true;
    }

    count(name) {
        return this.events.filter((e) => e.event === name).length;
    }

    /** Waits until at least n events of this name arrived; bounded by timeoutMs. */
    async waitForCount(name, n, timeoutMs = 10000) {
        const deadline = Date.now() + timeoutMs;
        while (this.count(name) < n) {
            if (Date.now() > deadline || (this.closed && this.count(name) < n)) {
                const seen = this.events.map((e) => e.event).join(", ") || "none";
                throw new Error(`${this.label}: expected ${n} ${name} events, got ${this.count(name)} within ${timeoutMs} ms (stream ${this.closed ? "closed" : "open"}; events: ${seen}${this.error ? `; error ${this.error.message}` : ""})`);
            }
            await sleep(25);
        }
        return this.events.filter((e) => e.event === name);
    }

    close() {
        this.controller.abort();
    }
}
