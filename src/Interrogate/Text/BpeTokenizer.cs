using System.Text;

namespace Interrogate.Text;

/// <summary>How text becomes the symbols BPE merges, and how tokens become bytes again.</summary>
public enum BpeStyle
{
    /// <summary>GPT-2: text is split by GPT-2's regex, each piece's UTF-8 bytes map to characters (Ġ for space).</summary>
    ByteLevel,
    /// <summary>Llama/sentencepiece: spaces become "▁", symbols are characters, unknown ones fall back to &lt;0xNN&gt; tokens.</summary>
    SentencePiece,
}

/// <summary>Settings read from tokenizer.json (defaults are GPT-2's).</summary>
public sealed record BpeOptions
{
    public BpeStyle Style { get; init; } = BpeStyle.ByteLevel;
    /// <summary>ByteLevel: split with GPT-2's regex (tokenizer.json "use_regex"); otherwise each stretch is one piece.</summary>
    public bool UseRegex { get; init; } = true;
    /// <summary>ByteLevel: prepend " " to a stretch not starting with one. SentencePiece: prepend "▁" (Prepend normalizer / Metaspace).</summary>
    public bool AddPrefixSpace { get; init; }
    /// <summary>SentencePiece: prepend only to the stretch at the start of the text (Metaspace prepend_scheme "first").</summary>
    public bool PrefixFirstOnly { get; init; }
    /// <summary>SentencePiece: split before every "▁" (Metaspace split=true) rather than merging across words.</summary>
    public bool SplitOnMetaspace { get; init; }
    public bool ByteFallback { get; init; }
    public string? UnkToken { get; init; }
    /// <summary>Use a piece's own token when the vocabulary has it, skipping merges (Llama 3's "ignore_merges").</summary>
    public bool IgnoreMerges { get; init; }
    /// <summary>SentencePiece: drop one leading space when decoding (the Strip / Metaspace decoder).</summary>
    public bool StripLeadingSpace { get; init; }
    /// <summary>A Split pre-tokenizer that runs before the byte-level step (Llama 3, Qwen 2); null for none.</summary>
    public SplitPreTokenizer? Split { get; init; }
    /// <summary>
    /// A Unicode normalizer applied to ordinary text before pre-tokenizing (Qwen 2's NFC); null for none.
    /// Applied by <see cref="UnicodeNormalizer"/> (the system's ICU; non-ASCII text needs it).
    /// </summary>
    public NormalizationForm? Normalization { get; init; }
}

/// <summary>A BPE tokenizer: added tokens matched literally, then byte-level or sentencepiece-style BPE.</summary>
public sealed class BpeTokenizer : ITokenizer
{
    private const int MaxCachedPieceLength = 256;
    private const int CacheCapacity = 100_000;
    private const char Metaspace = '▁';

    private readonly AddedTokenSplitter _splitter;
    private readonly Dictionary<int, AddedToken> _addedById;
    private readonly Dictionary<string, int[]> _cache = new(StringComparer.Ordinal);
    private readonly int[] _byteIds = new int[256]; // ByteLevel: id of each byte's character; SentencePiece: id of <0xNN> or -1
    private readonly byte[][] _tokenBytes;
    private readonly int? _unkId;

    public BpeTokenizer(BpeModel model, BpeOptions options, IEnumerable<AddedToken> addedTokens, string source)
    {
        Model = model;
        Options = options;
        AddedTokens = addedTokens.ToArray();
        _splitter = new AddedTokenSplitter(AddedTokens);
        _addedById = AddedTokens.ToDictionary(t => t.Id);
        VocabSize = Math.Max(model.Count, AddedTokens.Count == 0 ? 0 : AddedTokens.Max(t => t.Id) + 1);
        for (var b = 0; b < 256; b++)
        {
            var name = options.Style == BpeStyle.ByteLevel ? ByteLevel.ByteToChar[b].ToString() : $"<0x{b:X2}>";
            _byteIds[b] = model.TryGetId(name, out var id) ? id
                : options.Style == BpeStyle.ByteLevel || options.ByteFallback
                    ? throw InputException.ForFile(source, $"byte token {BpeModel.Quote(name)} is missing from the vocabulary, so some text could not be encoded")
                    : -1;
        }
        if (options.UnkToken is { } unk)
            _unkId = model.TryGetId(unk, out var u) ? u : throw InputException.ForFile(source, $"unk_token {BpeModel.Quote(unk)} is not in the vocabulary");
        _tokenBytes = new byte[VocabSize][];
        for (var id = 0; id < VocabSize; id++) _tokenBytes[id] = BytesOf(id);
    }

    public BpeModel Model { get; }
    public BpeOptions Options { get; }
    public IReadOnlyList<AddedToken> AddedTokens { get; }
    public int VocabSize { get; }
    public int? BosId { get; init; }
    public int? EosId { get; init; }
    public int? PadId { get; init; }

    public int[] Encode(string text)
    {
        var output = new List<int>(text.Length / 3 + 4);
        var pieces = new List<(int Start, int Length)>();
        _splitter.Split(text, (start, end) => EncodeStretch(text, start, end, output, pieces), t => output.Add(t.Id));
        return output.ToArray();
    }

    private void EncodeStretch(string text, int start, int end, List<int> output, List<(int, int)> pieces)
    {
        var stretch = Options.Style == BpeStyle.ByteLevel ? ByteLevelStretch(text, start, end) : SentencePieceStretch(text, start, end);
        pieces.Clear();
        if (Options.Split is { } split)
        {
            split.Split(stretch, 0, stretch.Length, pieces);
            if (Options.Style == BpeStyle.ByteLevel && Options.UseRegex)
            {
                var coarse = pieces.ToArray();
                pieces.Clear();
                foreach (var (s, n) in coarse) Gpt2PreTokenizer.Split(stretch, s, s + n, pieces);
            }
        }
        else if (Options.Style == BpeStyle.ByteLevel && Options.UseRegex) Gpt2PreTokenizer.Split(stretch, 0, stretch.Length, pieces);
        else if (Options.Style == BpeStyle.SentencePiece && Options.SplitOnMetaspace) SplitBeforeMetaspace(stretch, pieces);
        else if (stretch.Length > 0) pieces.Add((0, stretch.Length));
        foreach (var (pieceStart, length) in pieces) EncodePiece(stretch.Substring(pieceStart, length), output);
    }

    private string ByteLevelStretch(string text, int start, int end)
    {
        var stretch = Options.Normalization is { } form ? UnicodeNormalizer.Normalize(text[start..end], form) : text[start..end];
        return Options.AddPrefixSpace && !stretch.StartsWith(' ') ? " " + stretch : stretch;
    }

    private string SentencePieceStretch(string text, int start, int end)
    {
        var raw = Options.Normalization is { } form ? UnicodeNormalizer.Normalize(text[start..end], form) : text[start..end];
        var body = raw.Replace(' ', Metaspace);
        var prefix = Options.AddPrefixSpace && (!Options.PrefixFirstOnly || start == 0);
        return prefix && body.Length > 0 ? Metaspace + body : body;
    }

    private static void SplitBeforeMetaspace(string s, List<(int, int)> pieces)
    {
        var start = 0;
        for (var i = 1; i <= s.Length; i++)
        {
            if (i < s.Length && s[i] != Metaspace) continue;
            pieces.Add((start, i - start));
            start = i;
        }
    }

    private void EncodePiece(string piece, List<int> output)
    {
        var cacheable = piece.Length <= MaxCachedPieceLength;
        if (cacheable)
        {
            lock (_cache)
            {
                if (_cache.TryGetValue(piece, out var cached)) { output.AddRange(cached); return; }
            }
        }
        var from = output.Count;
        var symbols = Options.Style == BpeStyle.ByteLevel ? ByteSymbols(piece) : CharSymbols(piece);
        if (Options.IgnoreMerges && symbols.Count > 1 && Model.TryGetId(SymbolString(piece), out var whole)) output.Add(whole);
        else if (symbols.Count > 0) Model.Merge(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(symbols), output);
        if (!cacheable) return;
        var ids = output.GetRange(from, output.Count - from).ToArray();
        lock (_cache)
        {
            if (_cache.Count >= CacheCapacity) _cache.Clear(); // bounded: the common words come straight back
            _cache[piece] = ids;
        }
    }

    private string SymbolString(string piece)
    {
        if (Options.Style != BpeStyle.ByteLevel) return piece;
        var bytes = Encoding.UTF8.GetBytes(piece);
        return string.Create(bytes.Length, bytes, (span, b) => { for (var i = 0; i < b.Length; i++) span[i] = ByteLevel.ByteToChar[b[i]]; });
    }

    private List<int> ByteSymbols(string piece)
    {
        // Encoding.UTF8 turns a lone surrogate into EF BF BD, as JavaScript's TextEncoder does.
        var bytes = Encoding.UTF8.GetBytes(piece);
        var symbols = new List<int>(bytes.Length);
        foreach (var b in bytes) symbols.Add(_byteIds[b]);
        return symbols;
    }

    private List<int> CharSymbols(string piece)
    {
        var symbols = new List<int>(piece.Length);
        Span<byte> utf8 = stackalloc byte[4];
        var lastWasUnk = false;
        foreach (var rune in piece.EnumerateRunes())
        {
            if (Model.TryGetId(rune.ToString(), out var id)) { symbols.Add(id); lastWasUnk = false; continue; }
            if (Options.ByteFallback)
            {
                var n = rune.EncodeToUtf8(utf8);
                for (var i = 0; i < n; i++) symbols.Add(_byteIds[utf8[i]]);
            }
            else if (_unkId is { } unk && !lastWasUnk) { symbols.Add(unk); lastWasUnk = true; } // consecutive unknowns fuse into one <unk>
        }
        return symbols;
    }

    public byte[] DecodeBytes(ReadOnlySpan<int> ids)
    {
        var buffer = new List<byte>(ids.Length * 4);
        foreach (var id in ids) buffer.AddRange(_tokenBytes[CheckId(id)]);
        var skip = Options.StripLeadingSpace && buffer.Count > 0 && buffer[0] == (byte)' ' && !_addedById.ContainsKey(ids[0]) ? 1 : 0;
        return skip == 0 ? buffer.ToArray() : buffer.GetRange(1, buffer.Count - 1).ToArray();
    }

    public string Decode(ReadOnlySpan<int> ids) => Utf8Text.DecodeLenient(DecodeBytes(ids));

    public string TokenText(int id)
    {
        var bytes = _tokenBytes[CheckId(id)];
        return Utf8Text.FirstInvalidOffset(bytes) < 0 ? Encoding.UTF8.GetString(bytes) : string.Concat(bytes.Select(b => $"<0x{b:X2}>"));
    }

    public string? TokenString(int id) =>
        _addedById.TryGetValue(id, out var added) ? added.Content : id >= 0 && id < Model.Count ? Model.Token(id) : null;

    public int? TokenId(string token)
    {
        foreach (var added in AddedTokens) if (added.Content == token) return added.Id;
        return Model.TryGetId(token, out var id) ? id : null;
    }

    private int CheckId(int id) =>
        id >= 0 && id < VocabSize ? id : throw new ArgumentOutOfRangeException(nameof(id), id, $"token id outside 0..{VocabSize - 1}");

    private byte[] BytesOf(int id)
    {
        if (_addedById.TryGetValue(id, out var added)) return Encoding.UTF8.GetBytes(added.Content);
        if (id >= Model.Count) return [];
        var token = Model.Token(id);
        if (Options.Style == BpeStyle.ByteLevel) return ByteLevel.TokenBytes(token) ?? Encoding.UTF8.GetBytes(token);
        if (token.Length == 6 && token.StartsWith("<0x", StringComparison.Ordinal) && token[5] == '>' && Options.ByteFallback
            && byte.TryParse(token.AsSpan(3, 2), System.Globalization.NumberStyles.HexNumber, null, out var b)) return [b];
        return Encoding.UTF8.GetBytes(token.Replace(Metaspace, ' '));
    }
}
