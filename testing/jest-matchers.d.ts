// Types for the cdktf matchers that testing/synth.ts registers (Testing.setupJest()).
import "cdktf/lib/testing/adapters/jest";
