"""The edge to Saleor: GraphQL client, JWKS and token verification, documents we send."""
