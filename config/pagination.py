"""The API's pagination (its own module: DRF imports it while importing its generic views)."""

from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    """`?page=N`, and `?page_size=N` up to 500."""

    page_size_query_param = "page_size"
    max_page_size = 500
