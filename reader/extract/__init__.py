"""extract layer: the readable article in a fetched page.

`article.extract_article(html, url)` does one page in this process; `pool.ExtractorPool`
spreads pages over worker processes. trafilatura is imported only when a page is extracted.
"""
