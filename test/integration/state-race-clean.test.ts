// Separate OS processes racing through the sandbox forge's contents API; see test/helpers/state-race.ts.
import { raceSuite } from "../helpers/state-race.ts";

raceSuite("clean");
