/** @module What every route handler gets: the RPC client and the caller's context. */
import type { RpcClient, RpcContext } from "@chartly/platform";
import type { Context } from "hono";

export interface GatewayEnv {
  Variables: { requestId: string; rpcContext: RpcContext };
}

export interface Deps {
  rpc: RpcClient;
}

export const callerOf = (c: Context<GatewayEnv>): RpcContext => c.get("rpcContext");
