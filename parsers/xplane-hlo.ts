/**
 * JAX/XLA name scopes from the HLO modules an XPlane embeds: the `/host:metadata`
 * plane holds one event metadata per compiled program (`jit_loss(13264)`) with an
 * `hlo_proto` bytes stat (xla.HloProto). Each instruction's OpMetadata.op_name is
 * its scope path (`jit(loss)/jvp(transformer)/layer_0/attn/dot_general`); a kernel
 * names its fusion instruction, so kernel name -> op_name. This matters because XLA
 * command buffers (on by default) give every kernel the `hlo_op` `command_buffer_N`.
 */
import type protobuf from "protobufjs";
import { protobufjs } from "../src/lazy-library.js";

// Only the fields read here, numbered as in xla/service/hlo.proto and xla/xla_data.proto.
const HLO_PROTO = `
syntax = "proto3";
package xla;
message OpMetadata { string op_type = 1; string op_name = 2; }
message HloInstructionProto { string name = 1; string opcode = 2; OpMetadata metadata = 7; }
message HloComputationProto { string name = 1; repeated HloInstructionProto instructions = 2; }
message HloModuleProto { string name = 1; string entry_computation_name = 2; repeated HloComputationProto computations = 3; }
message HloProto { HloModuleProto hlo_module = 1; }
`;

let hloType: protobuf.Type | undefined;

export interface HloOpNames {
  /** Instruction name ("." made "_") -> op_name, non-empty only. */
  byName: Map<string, string>;
  /** op_name ("" none) of the entry computation's kernel instructions (fusion, custom-call) in scheduled order. */
  entrySequence: string[];
}

/** Op names of one serialized xla.HloProto; empty on undecodable bytes. */
export function opNamesOfHloProto(bytes: Uint8Array): HloOpNames {
  hloType ??= protobufjs().parse(HLO_PROTO).root.lookupType("xla.HloProto");
  const out = new Map<string, string>();
  const entrySequence: string[] = [];
  type Ins = { name?: string; opcode?: string; metadata?: { opName?: string } };
  let proto: { hloModule?: { entryComputationName?: string; computations?: { name?: string; instructions?: Ins[] }[] } };
  try {
    proto = hloType.toObject(hloType.decode(bytes)) as typeof proto;
  } catch {
    return { byName: out, entrySequence }; // a newer or damaged HLO proto: no scopes, everything else still works
  }
  const entry = proto.hloModule?.computations?.find((c) => c.name === proto.hloModule?.entryComputationName);
  for (const ins of entry?.instructions ?? []) if (ins.opcode === "fusion" || ins.opcode === "custom-call") entrySequence.push(ins.metadata?.opName ?? "");
  for (const c of proto.hloModule?.computations ?? []) {
    for (const ins of c.instructions ?? []) {
      const op = ins.metadata?.opName;
      // kernels are named after their instruction with "." made "_" (fusion.12 -> fusion_12)
      if (ins.name && op) out.set(ins.name.replace(/\./g, "_"), op);
    }
  }
  return { byName: out, entrySequence };
}
