/// One page of a list in ascending id order, and where the next one starts.
public struct Page<Item: Sendable>: Sendable {
    /// The items, in ascending id.
    public var items: [Item]
    /// The id to list after for the next page; nil on the last page.
    public var nextAfterID: Int64?

    public init(items: [Item], nextAfterID: Int64?) {
        self.items = items
        self.nextAfterID = nextAfterID
    }

    /// A page from up to `limit + 1` rows fetched in id order: the extra row,
    /// if there is one, only says that another page follows.
    public init(fetched rows: [Item], limit: Int, id: (Item) -> Int64) {
        if rows.count > limit {
            let items = Array(rows.prefix(limit))
            self.init(items: items, nextAfterID: items.last.map(id))
        } else {
            self.init(items: rows, nextAfterID: nil)
        }
    }
}
