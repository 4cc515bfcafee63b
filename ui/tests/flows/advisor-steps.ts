// The Advisor wizard's first steps, shared by the specs that walk it: a catalog machine and a
// catalog model, leaving the context step open.
import type { Locator } from "@playwright/test";

export async function chooseCatalogMachineAndModel(advisor: Locator, machine: string, model: string) {
  await advisor.getByTestId("machine-catalog").check();
  await advisor.getByTestId("machine-select").selectOption(machine);
  await advisor.getByTestId("next").click();
  await advisor.getByTestId("model-catalog").check();
  await advisor.getByTestId("model-select").selectOption(model);
  await advisor.getByTestId("next").click();
}
