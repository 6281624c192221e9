/**
 * Libraries that only some inputs or commands need load on first use, not when
 * llmprof starts (issue 18: start-up is paid by every command): protobuf for
 * XPlane files, YAML for config/budget/peaks files, XML for nvidia-smi and JUnit.
 * They are loaded with require() because each ships a CommonJS build and a
 * synchronous load keeps their callers synchronous; the bundle
 * (tools/bundle.mjs) leaves them out and they load from node_modules.
 */
import { createRequire } from "node:module";

const requireFromHere = createRequire(import.meta.url);

function lazyLibrary<T>(id: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= requireFromHere(id) as T);
}

export const protobufjs = lazyLibrary<typeof import("protobufjs")>("protobufjs");
export const yaml = lazyLibrary<typeof import("yaml")>("yaml");
export const fastXmlParser = lazyLibrary<typeof import("fast-xml-parser")>("fast-xml-parser");
