// Types for the cdktf matchers that setup.js registers (Testing.setupJest()).
import "cdktf/lib/testing/adapters/jest";
