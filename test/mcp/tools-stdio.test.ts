import { toolSuite } from "./suite/tool-suite.js";

toolSuite("stdio");
