// FeatBit's targeting model (spec 05 "The targeting model"), as the evaluation core reads it.

export interface Variation {
  id: string;
  value: string;
}
export interface RolloutVariation {
  id: string;
  rollout: [number, number];
  exptRollout: number;
}
export interface Condition {
  /** Set by FeatBit's UI and kept as given; evaluation does not read it. */
  id?: string;
  property: string;
  op: string;
  value: string;
}
export interface TargetRule {
  id: string;
  name: string;
  dispatchKey: string | null;
  includedInExpt: boolean;
  conditions: Condition[];
  variations: RolloutVariation[];
}
export interface Fallthrough {
  dispatchKey: string | null;
  includedInExpt: boolean;
  variations: RolloutVariation[];
}
export interface TargetUser {
  variationId: string;
  keyIds: string[];
}
export interface EvalFlag {
  key: string;
  isEnabled: boolean;
  isArchived?: boolean;
  disabledVariationId: string;
  variationType: string;
  variations: Variation[];
  targetUsers: TargetUser[];
  rules: TargetRule[];
  fallthrough: Fallthrough;
  exptIncludeAllTargets: boolean;
}
export interface SegmentRule {
  id: string;
  name: string;
  conditions: Condition[];
}
export interface EvalSegment {
  id: string;
  included: string[];
  excluded: string[];
  rules: SegmentRule[];
}
export interface EvalUser {
  keyId: string;
  name?: string;
  customizedProperties?: { name: string; value: string }[];
}

export interface Evaluation {
  variation: Variation;
  /** FeatBit's matchReason: "flag disabled", "targeted", the matching rule's name, or "default". */
  reason: string;
  kind: 'disabled' | 'targeted' | 'rule' | 'fallthrough';
  ruleId?: string;
  sendToExperiment: boolean;
}

/** What a client SDK receives for one flag (FeatBit's ClientSdkFlag). */
export interface ClientFlag {
  id: string;
  variation: string;
  variationType: string;
  variationId: string;
  matchReason: string;
  variationOptions: Variation[];
  sendToExperiment: boolean;
  timestamp: number;
}

export type SegmentLookup = (id: string) => EvalSegment | undefined;
