using System.Text.Json;
using System.Text.Unicode;

namespace Interrogate.Formats;

/// <summary>
/// The JSON header of a safetensors file, parsed and checked against the data area's length.
/// Everything a hostile header could use to make us crash, hang or allocate is rejected here,
/// so readers can trust <see cref="Tensors"/> without re-checking.
/// </summary>
internal sealed class SafetensorsHeader
{
    /// <summary>The reference implementation's cap; also bounds what a hostile file can make us allocate.</summary>
    public const long MaxHeaderBytes = 100_000_000;
    public const string MetadataKey = "__metadata__";

    // A valid header nests three deep (root → entry → shape); anything deeper is refused early.
    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 8 };

    /// <summary>Entries sorted by data offset (the order of the bytes in the file).</summary>
    public required IReadOnlyList<SafetensorsTensorInfo> Tensors { get; init; }
    public required IReadOnlyDictionary<string, string> Metadata { get; init; }

    public static SafetensorsHeader Parse(string path, byte[] json, long dataLength)
    {
        if (!Utf8.IsValid(json)) throw new SafetensorsFormatException(path, "header is not valid UTF-8");
        JsonDocument document;
        try { document = JsonDocument.Parse(json, Options); }
        catch (JsonException e)
        {
            throw new SafetensorsFormatException(path, $"header is not valid JSON (byte {e.BytePositionInLine} of line {e.LineNumber + 1})");
        }
        using (document)
        {
            try { return Walk(path, document.RootElement, dataLength); }
            catch (InvalidOperationException)
            {
                // Thrown when a name or value holds an unpaired \u surrogate escape: valid JSON, invalid text.
                throw new SafetensorsFormatException(path, "header has a string that is not valid Unicode (unpaired \\u surrogate escape)");
            }
        }
    }

    private static SafetensorsHeader Walk(string path, JsonElement root, long dataLength)
    {
        if (root.ValueKind != JsonValueKind.Object)
            throw new SafetensorsFormatException(path, $"header must be a JSON object, got {Describe(root)}");

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var tensors = new List<SafetensorsTensorInfo>();
        IReadOnlyDictionary<string, string> metadata = new Dictionary<string, string>();
        foreach (var property in root.EnumerateObject())
        {
            if (!seen.Add(property.Name))
                throw new SafetensorsFormatException(path, property.Name, "appears twice in the header");
            if (property.Name == MetadataKey) metadata = ParseMetadata(path, property.Value);
            else tensors.Add(ParseEntry(path, property.Name, property.Value, dataLength));
        }
        tensors.Sort((a, b) => a.DataBegin != b.DataBegin ? a.DataBegin.CompareTo(b.DataBegin) : a.DataEnd.CompareTo(b.DataEnd));
        CheckCoverage(path, tensors, dataLength);
        return new SafetensorsHeader { Tensors = tensors, Metadata = metadata };
    }

    private static Dictionary<string, string> ParseMetadata(string path, JsonElement value)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        if (value.ValueKind == JsonValueKind.Null) return metadata;
        if (value.ValueKind != JsonValueKind.Object)
            throw new SafetensorsFormatException(path, $"'{MetadataKey}' must be an object of strings, got {Describe(value)}");
        foreach (var entry in value.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
                throw new SafetensorsFormatException(path, $"'{MetadataKey}' value for '{MessageText.Printable(entry.Name)}' must be a string, got {Describe(entry.Value)}");
            if (!metadata.TryAdd(entry.Name, entry.Value.GetString()!))
                throw new SafetensorsFormatException(path, $"'{MetadataKey}' key '{MessageText.Printable(entry.Name)}' appears twice");
        }
        return metadata;
    }

    private static SafetensorsTensorInfo ParseEntry(string path, string name, JsonElement value, long dataLength)
    {
        SafetensorsFormatException Fail(string problem) => new(path, name, problem);
        if (value.ValueKind != JsonValueKind.Object) throw Fail($"entry must be a JSON object, got {Describe(value)}");

        JsonElement? dtypeValue = null, shapeValue = null, offsetsValue = null;
        var fields = new HashSet<string>(StringComparer.Ordinal);
        foreach (var field in value.EnumerateObject())
        {
            if (!fields.Add(field.Name)) throw Fail($"field '{MessageText.Printable(field.Name)}' appears twice");
            // Unknown fields are ignored, as the reference implementation does.
            switch (field.Name)
            {
                case "dtype": dtypeValue = field.Value; break;
                case "shape": shapeValue = field.Value; break;
                case "data_offsets": offsetsValue = field.Value; break;
            }
        }
        if (dtypeValue is not { } d) throw Fail("'dtype' is missing");
        if (shapeValue is not { } s) throw Fail("'shape' is missing");
        if (offsetsValue is not { } o) throw Fail("'data_offsets' is missing");

        if (d.ValueKind != JsonValueKind.String || !SafetensorsDTypes.TryParse(d.GetString(), out var dtype))
            throw Fail($"unknown dtype {Describe(d)} (known: {string.Join(", ", Enum.GetValues<SafetensorsDType>().Select(t => t.HeaderName()))})");

        var shape = ReadIntegers(s, int.MaxValue) ?? throw Fail($"'shape' must be an array of non-negative integers below 2^31, got {Describe(s)}");
        var offsets = ReadIntegers(o, long.MaxValue);
        if (offsets is not { Length: 2 }) throw Fail($"'data_offsets' must be [begin, end] with non-negative integers, got {Describe(o)}");
        long begin = offsets[0], end = offsets[1];
        var range = $"data_offsets [{begin}, {end}]";
        if (begin > end) throw Fail($"{range} has begin after end");
        if (end > dataLength) throw Fail($"{range} run past the end of the data area ({dataLength} bytes)");

        long count = ElementCount(shape) ?? throw Fail($"shape {Dims(shape)} has too many elements");
        long expected = count <= long.MaxValue / dtype.ByteSize() ? count * dtype.ByteSize() : -1;
        if (expected != end - begin)
            throw Fail($"{range} hold {end - begin} bytes but shape {Dims(shape)} of {dtype.HeaderName()} needs {(expected < 0 ? "more than 2^63" : expected.ToString())}");

        return new SafetensorsTensorInfo
        {
            Name = name,
            DType = dtype,
            Shape = shape.Select(x => (int)x).ToArray(),
            ElementCount = count,
            DataBegin = begin,
            DataEnd = end,
        };
    }

    /// <summary>The integers of a JSON array, each in [0, max]; null when anything else is there.</summary>
    private static long[]? ReadIntegers(JsonElement value, long max)
    {
        if (value.ValueKind != JsonValueKind.Array) return null;
        var result = new long[value.GetArrayLength()];
        int i = 0;
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out var x) || x < 0 || x > max) return null;
            result[i++] = x;
        }
        return result;
    }

    /// <summary>Product of the dimensions, or null when it overflows a long.</summary>
    private static long? ElementCount(long[] shape)
    {
        if (shape.Contains(0)) return 0;
        long count = 1;
        foreach (var dim in shape)
        {
            if (count > long.MaxValue / dim) return null;
            count *= dim;
        }
        return count;
    }

    /// <summary>
    /// The tensors must tile the data area exactly, as the reference implementation demands: no
    /// overlap, no gap, nothing after the last one. A header length a few bytes off (the header
    /// ends in padding spaces, so the JSON still parses) shifts every tensor; only this check
    /// catches it, because the data area then has bytes no tensor accounts for.
    /// </summary>
    private static void CheckCoverage(string path, List<SafetensorsTensorInfo> sorted, long dataLength)
    {
        long covered = 0;
        foreach (var current in sorted)
        {
            if (current.DataBegin < covered && current.DataBegin != current.DataEnd)
            {
                var previous = sorted.Last(t => t.DataEnd > current.DataBegin && !ReferenceEquals(t, current));
                throw new SafetensorsFormatException(path, current.Name,
                    $"data_offsets [{current.DataBegin}, {current.DataEnd}] overlap tensor '{MessageText.Printable(previous.Name)}' [{previous.DataBegin}, {previous.DataEnd}]");
            }
            if (current.DataBegin > covered)
                throw new SafetensorsFormatException(path, current.Name,
                    $"data_offsets [{current.DataBegin}, {current.DataEnd}] leave a gap of {current.DataBegin - covered} bytes after byte {covered} of the data area; the header or its length is wrong");
            covered = Math.Max(covered, current.DataEnd);
        }
        if (covered != dataLength)
            throw new SafetensorsFormatException(path,
                $"the tensors cover {covered} bytes but the data area after the header holds {dataLength}; the header length is wrong or the file has trailing bytes");
    }

    private static string Dims(long[] shape) => MessageText.Printable($"[{string.Join(", ", shape)}]", 60);

    private static string Describe(JsonElement value)
    {
        var raw = value.GetRawText();
        return MessageText.Printable(raw, 60);
    }
}
