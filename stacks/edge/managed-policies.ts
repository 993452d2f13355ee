/**
 * AWS-managed CloudFront policies, by the names AWS gives them. Their IDs are the same in every
 * account, so naming them once here is clearer than looking them up with a data source at plan time.
 */

/** Forwards every viewer header except Host, so Lambda sees its own Function URL host (a viewer Host gives 403). */
export const ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac";

/** Never caches: every MCP request is a POST that must reach the function. */
export const CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad";
