// The app's screens and the home tiles that open them.

export type Screen = "home" | "receive" | "putaway" | "pick" | "tasks" | "move" | "count" | "pack" | "returns" | "adjust" | "lookup" | "labels" | "sync" | "settings";

export interface Tile {
  screen: Screen;
  name: string;
  hint: string;
  supervisor: boolean;
}

export const TILES: Tile[] = [
  { screen: "receive", name: "Receive", hint: "goods in at the dock", supervisor: false },
  { screen: "putaway", name: "Putaway", hint: "dock to storage", supervisor: false },
  { screen: "pick", name: "Pick", hint: "orders, in walk order", supervisor: false },
  { screen: "tasks", name: "Tasks", hint: "top-ups and counts from the office", supervisor: false },
  { screen: "move", name: "Move", hint: "between locations", supervisor: false },
  { screen: "count", name: "Count", hint: "cycle count a location", supervisor: false },
  { screen: "pack", name: "Pack & ship", hint: "cartons, labels, shipments", supervisor: false },
  { screen: "returns", name: "Returns", hint: "customer returns in", supervisor: false },
  { screen: "adjust", name: "Adjust", hint: "corrections (supervisor)", supervisor: true },
  { screen: "lookup", name: "Lookup", hint: "scan anything", supervisor: false },
  { screen: "labels", name: "Labels", hint: "show and print", supervisor: false },
  { screen: "sync", name: "Sync", hint: "send and receive, exceptions", supervisor: false },
  { screen: "settings", name: "Settings", hint: "server, scanner", supervisor: false },
];

/** The title of a screen for the header. */
export function screenName(s: Screen): string {
  return s === "home" ? "Home" : (TILES.find((t) => t.screen === s)?.name ?? s);
}
