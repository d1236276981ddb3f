// Compiled by .ci/clients.sh with `tsc --strict --noEmit` next to schema.d.ts, which openapi-typescript
// generates from /api/schema/: the generated types must compile, and say what an integrator relies on.
import createClient from "openapi-fetch";
import type { components, paths } from "./schema";

// The client as README shows it: two lines, the token sent as Bearer.
export function connect(baseUrl: string, token: string) {
  return createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${token}` } });
}

// Every use case changed since `since`, page by page through the typed call and next_cursor.
export async function changedSince(api: ReturnType<typeof connect>, since: string): Promise<string[]> {
  const found: string[] = [];
  let cursor: string | undefined;
  for (;;) {
    const { data, error } = await api.GET("/api/v1/use-cases/", {
      params: { query: { updated_since: since, page_size: 200, cursor } },
    });
    if (error) throw new Error(error.detail);
    found.push(...data.results.map((useCase) => useCase.reference));
    if (data.next_cursor === null) return found;
    cursor = data.next_cursor;
  }
}

type UseCaseList = paths["/api/v1/use-cases/"]["get"];
type UseCasePage = UseCaseList["responses"][200]["content"]["application/json"];
type UseCaseQuery = NonNullable<UseCaseList["parameters"]["query"]>;
type UseCase = components["schemas"]["UseCase"];

// Paging: each page carries next_cursor (a string, or null on the last page), passed back as ?cursor=.
export function nextQuery(page: UseCasePage, since: string): UseCaseQuery | null {
  const cursor: string | null = page.next_cursor;
  return cursor === null ? null : { cursor, updated_since: since, page_size: 200 };
}

export function references(page: UseCasePage): string[] {
  return page.results.map((useCase: UseCase) => useCase.reference);
}

// An unanswered choice answer is null.
export const unanswered: UseCase["regulated_area"] = null;

// A draft needs only its business unit and title.
export const draft: components["schemas"]["UseCaseCreateRequest"] = { business_unit: "CUSTOPS", title: "Draft" };

// Path ids are integers.
export const decide: paths["/api/v1/reviews/{id}/decide/"]["post"]["parameters"]["path"] = { id: 1 };

// A stale If-Match is answered 412 with a detail.
type StaleWrite = paths["/api/v1/use-cases/{reference}/"]["patch"]["responses"][412]["content"]["application/json"];
export const staleMessage = (error: StaleWrite): string => error.detail;

// One shape per field: a choice is its enum, or null where the server may send null; nothing else
// (a "" wrapper enum would make these fail to compile).
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Schemas = components["schemas"];
export const tierIsEnumOrNull: Same<UseCase["risk_tier"], Schemas["RiskTierEnum"] | null> = true;
export const statusIsEnum: Same<UseCase["status"], Schemas["UseCaseStatusEnum"]> = true;
export const websiteIsStringOrNull: Same<Schemas["Vendor"]["website"], string | null> = true;
export const toStageIsEnumOrNull: Same<
  Schemas["GateDecisionInputRequest"]["to_stage"], Schemas["StageEnum"] | null | undefined> = true;
