// The app's screens and the home tiles that open them (their words: `tiles.<screen>` in the
// message catalogs).
import { t } from "./i18n.svelte";

export type Screen = "home" | "receive" | "putaway" | "pick" | "tasks" | "move" | "count" | "pack" | "returns" | "adjust" | "lookup" | "labels" | "sync" | "settings";

export interface Tile {
  screen: Screen;
  supervisor: boolean;
}

export const TILES: Tile[] = [
  { screen: "receive", supervisor: false },
  { screen: "putaway", supervisor: false },
  { screen: "pick", supervisor: false },
  { screen: "tasks", supervisor: false },
  { screen: "move", supervisor: false },
  { screen: "count", supervisor: false },
  { screen: "pack", supervisor: false },
  { screen: "returns", supervisor: false },
  { screen: "adjust", supervisor: true },
  { screen: "lookup", supervisor: false },
  { screen: "labels", supervisor: false },
  { screen: "sync", supervisor: false },
  { screen: "settings", supervisor: false },
];

/** The title of a screen for the header and its tile. */
export function screenName(s: Screen): string {
  return t(`tiles.${s}.name`);
}

/** What a tile's screen is for. */
export function screenHint(s: Screen): string {
  return t(`tiles.${s}.hint`);
}
