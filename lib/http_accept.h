/*
 * http_accept.h: content negotiation on the Accept request header (RFC 9110 12.5.1), as the
 * original's typescript-rest/negotiator does it: for a media type, the most specific matching range
 * ("type/sub" over "type/ *" over "* / *") gives its quality; q=0 excludes the type. A missing or
 * empty header accepts everything. Media-type parameters other than q are ignored.
 */
#ifndef CONNECTOR_HTTP_ACCEPT_H
#define CONNECTOR_HTTP_ACCEPT_H

/* Quality in thousandths (0..1000) that accept gives to type, e.g. "application/json". */
int http_accept_quality(const char *accept, const char *type);

/*
 * The type of types[0..count) with the highest quality (> 0), ties broken by the client's order of
 * preference and then by the order of types; NULL when none is acceptable.
 */
const char *http_accept_best(const char *accept, const char *const *types, int count);

#endif
