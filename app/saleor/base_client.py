"""The base class ariadne-codegen gives the generated client (`make saleor-client` copies this file
into `app/saleor/generated/`); the sending itself lives in `app/saleor/transport.py`."""

from app.saleor.transport import GraphQLTransport


class SaleorBaseClient(GraphQLTransport):
    pass
