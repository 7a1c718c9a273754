/// Encodes an `Encodable` value into a `JSONValue`, so that typed sections are written with the same sorted keys
/// and fixed decimals as every other part of summary.json. Numbers with a fraction must be wrapped in `Fixed`
/// (which says how many decimals): a plain `Double` or `Float` is an error, because its digits would not be fixed.
public enum JSONValueEncoder {
    public static func encode<T: Encodable>(_ value: T) throws -> JSONValue {
        let node = Node(codingPath: [])
        try value.encode(to: node)
        return node.value
    }

    /// One value being encoded: a scalar, an object of child nodes, or an array of them.
    final class Node: Encoder {
        let codingPath: [any CodingKey]
        var userInfo: [CodingUserInfoKey: Any] { [:] }
        private var scalar: JSONValue?
        private var object: [String: Node]?
        private var array: [Node]?

        init(codingPath: [any CodingKey]) { self.codingPath = codingPath }

        var value: JSONValue {
            if let object { return .object(object.mapValues(\.value)) }
            if let array { return .array(array.map(\.value)) }
            return scalar ?? .object([:])
        }

        func set(_ v: JSONValue) { scalar = v }

        var arrayCount: Int { array?.count ?? 0 }

        func child(_ key: any CodingKey) -> Node {
            let n = Node(codingPath: codingPath + [key])
            if object == nil { object = [:] }
            object?[key.stringValue] = n
            return n
        }

        func appended() -> Node {
            let n = Node(codingPath: codingPath + [AnyKey("\(array?.count ?? 0)")])
            if array == nil { array = [] }
            array?.append(n)
            return n
        }

        func notFixed(_ v: Any) -> EncodingError {
            EncodingError.invalidValue(
                v, .init(codingPath: codingPath, debugDescription: "a fractional number must be wrapped in Fixed"))
        }

        func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
            if object == nil { object = [:] }
            return KeyedEncodingContainer(Keyed<Key>(node: self))
        }

        func unkeyedContainer() -> any UnkeyedEncodingContainer {
            if array == nil { array = [] }
            return Unkeyed(node: self)
        }

        func singleValueContainer() -> any SingleValueEncodingContainer { Single(node: self) }
    }

    struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let node: Node
        var codingPath: [any CodingKey] { node.codingPath }
        mutating func encodeNil(forKey key: Key) throws { node.child(key).set(.null) }
        mutating func encode(_ value: Bool, forKey key: Key) throws { node.child(key).set(.bool(value)) }
        mutating func encode(_ value: String, forKey key: Key) throws { node.child(key).set(.string(value)) }
        mutating func encode(_ value: Double, forKey key: Key) throws { throw node.child(key).notFixed(value) }
        mutating func encode(_ value: Float, forKey key: Key) throws { throw node.child(key).notFixed(value) }
        mutating func encode(_ value: Int, forKey key: Key) throws { node.child(key).set(.integer(value)) }
        mutating func encode(_ value: Int8, forKey key: Key) throws { node.child(key).set(.integer(Int(value))) }
        mutating func encode(_ value: Int16, forKey key: Key) throws { node.child(key).set(.integer(Int(value))) }
        mutating func encode(_ value: Int32, forKey key: Key) throws { node.child(key).set(.integer(Int(value))) }
        mutating func encode(_ value: Int64, forKey key: Key) throws {
            node.child(key).set(.integer(Int(clamping: value)))
        }
        mutating func encode(_ value: UInt, forKey key: Key) throws { node.child(key).set(.integer(Int(clamping: value))) }
        mutating func encode(_ value: UInt8, forKey key: Key) throws { node.child(key).set(.integer(Int(value))) }
        mutating func encode(_ value: UInt16, forKey key: Key) throws { node.child(key).set(.integer(Int(value))) }
        mutating func encode(_ value: UInt32, forKey key: Key) throws { node.child(key).set(.integer(Int(value))) }
        mutating func encode(_ value: UInt64, forKey key: Key) throws {
            node.child(key).set(.integer(Int(clamping: value)))
        }
        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { try value.encode(to: node.child(key)) }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
            -> KeyedEncodingContainer<NestedKey>
        {
            node.child(key).container(keyedBy: keyType)
        }
        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            node.child(key).unkeyedContainer()
        }
        mutating func superEncoder() -> any Encoder { node.child(AnyKey("super")) }
        mutating func superEncoder(forKey key: Key) -> any Encoder { node.child(key) }
    }

    struct Unkeyed: UnkeyedEncodingContainer {
        let node: Node
        var codingPath: [any CodingKey] { node.codingPath }
        var count: Int { node.arrayCount }
        mutating func encodeNil() throws { node.appended().set(.null) }
        mutating func encode(_ value: Bool) throws { node.appended().set(.bool(value)) }
        mutating func encode(_ value: String) throws { node.appended().set(.string(value)) }
        mutating func encode(_ value: Double) throws { throw node.appended().notFixed(value) }
        mutating func encode(_ value: Float) throws { throw node.appended().notFixed(value) }
        mutating func encode(_ value: Int) throws { node.appended().set(.integer(value)) }
        mutating func encode(_ value: Int8) throws { node.appended().set(.integer(Int(value))) }
        mutating func encode(_ value: Int16) throws { node.appended().set(.integer(Int(value))) }
        mutating func encode(_ value: Int32) throws { node.appended().set(.integer(Int(value))) }
        mutating func encode(_ value: Int64) throws { node.appended().set(.integer(Int(clamping: value))) }
        mutating func encode(_ value: UInt) throws { node.appended().set(.integer(Int(clamping: value))) }
        mutating func encode(_ value: UInt8) throws { node.appended().set(.integer(Int(value))) }
        mutating func encode(_ value: UInt16) throws { node.appended().set(.integer(Int(value))) }
        mutating func encode(_ value: UInt32) throws { node.appended().set(.integer(Int(value))) }
        mutating func encode(_ value: UInt64) throws { node.appended().set(.integer(Int(clamping: value))) }
        mutating func encode<T: Encodable>(_ value: T) throws { try value.encode(to: node.appended()) }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type)
            -> KeyedEncodingContainer<NestedKey>
        {
            node.appended().container(keyedBy: keyType)
        }
        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { node.appended().unkeyedContainer() }
        mutating func superEncoder() -> any Encoder { node.appended() }
    }

    struct Single: SingleValueEncodingContainer {
        let node: Node
        var codingPath: [any CodingKey] { node.codingPath }
        mutating func encodeNil() throws { node.set(.null) }
        mutating func encode(_ value: Bool) throws { node.set(.bool(value)) }
        mutating func encode(_ value: String) throws { node.set(.string(value)) }
        mutating func encode(_ value: Double) throws { throw node.notFixed(value) }
        mutating func encode(_ value: Float) throws { throw node.notFixed(value) }
        mutating func encode(_ value: Int) throws { node.set(.integer(value)) }
        mutating func encode(_ value: Int8) throws { node.set(.integer(Int(value))) }
        mutating func encode(_ value: Int16) throws { node.set(.integer(Int(value))) }
        mutating func encode(_ value: Int32) throws { node.set(.integer(Int(value))) }
        mutating func encode(_ value: Int64) throws { node.set(.integer(Int(clamping: value))) }
        mutating func encode(_ value: UInt) throws { node.set(.integer(Int(clamping: value))) }
        mutating func encode(_ value: UInt8) throws { node.set(.integer(Int(value))) }
        mutating func encode(_ value: UInt16) throws { node.set(.integer(Int(value))) }
        mutating func encode(_ value: UInt32) throws { node.set(.integer(Int(value))) }
        mutating func encode(_ value: UInt64) throws { node.set(.integer(Int(clamping: value))) }
        mutating func encode<T: Encodable>(_ value: T) throws { try value.encode(to: node) }
    }
}
