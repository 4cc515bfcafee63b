import { describe, expect, it } from "vitest";
import { exportFileName } from "../../src/lib/format";

describe("exportFileName", () => {
  it("names the file after the title, without what a file name cannot hold", () => {
    expect(exportFileName("What is the capital of France?")).toBe("What is the capital of France.md");
    expect(exportFileName("a/b\\c: d")).toBe("a b c d.md");
  });
  it("drops trailing dots (a title ending in '.' made '..md') and names an empty title", () => {
    expect(exportFileName("Give me a python hello world.")).toBe("Give me a python hello world.md");
    expect(exportFileName(" ... ")).toBe("conversation.md");
  });
});
