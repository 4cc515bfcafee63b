// MCP servers (Settings → Tools): the servers added, their tools and state, and adding,
// starting, removing them; which tools run without asking.
import * as ipc from "../ipc/backend";
import type { McpServerView, NewMcpServer } from "../ipc/backend";
import { errorText } from "../i18n.svelte";

class ToolsStore {
  servers = $state<McpServerView[]>([]);
  /** A server being added or started (its name), while it starts. */
  starting = $state<string | null>(null);
  error = $state<string | null>(null);

  async refresh() {
    try {
      this.servers = await ipc.listMcpServers();
    } catch (e) {
      this.error = errorText(ipc.asError(e));
    }
  }

  private async run(name: string, action: () => Promise<unknown>): Promise<boolean> {
    this.starting = name;
    this.error = null;
    try {
      await action();
      return true;
    } catch (e) {
      this.error = errorText(ipc.asError(e));
      return false;
    } finally {
      this.starting = null;
      await this.refresh();
    }
  }

  add = (server: NewMcpServer) => this.run(server.name, () => ipc.addMcpServer(server));
  start = (name: string) => this.run(name, () => ipc.startMcpServer(name));
  remove = (name: string) => this.run(name, () => ipc.removeMcpServer(name));
  setAlways = (server: string, tool: string, always: boolean) => this.run(server, () => ipc.setMcpToolAlways(server, tool, always));
}

export const tools = new ToolsStore();
