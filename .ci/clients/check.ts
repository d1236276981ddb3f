// Compiled by .ci/clients.sh with `tsc --strict --noEmit` next to schema.d.ts, which openapi-typescript
// generates from /api/schema/: the generated types must compile, and say what an integrator relies on.
import type { components, paths } from "./schema";

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
