using System.Runtime.InteropServices;
using Interrogate.Formats;
using Interrogate.Tensors;

namespace Interrogate.Models.Transformer;

/// <summary>
/// How a model's parameters sit in a Hugging Face weights file: one entry per file tensor, naming
/// the parameter it fills and how (as is, transposed from Conv1D's [in, out], as a block of rows
/// of a fused parameter, or as rows gathered from one or more parameters: a file's fused projection
/// that the model keeps apart, or keeps in another row order). The same table loads and saves, so
/// the two can never disagree.
/// </summary>
public sealed class WeightMap
{
    private enum Layout { Direct, Transposed, Rows, Gathered }

    /// <summary>For Gathered: file row i is row RowIndex[i] of Sources[SourceIndex[i]].</summary>
    private sealed record Entry(string Name, Tensor Target, Layout Layout, int FirstRow, int RowCount,
        Tensor[]? Sources = null, int[]? SourceIndex = null, int[]? RowIndex = null)
    {
        /// <summary>The tensor's shape in the file.</summary>
        public int[] FileShape => Layout switch
        {
            Layout.Transposed => [Target.Shape[1], Target.Shape[0]],
            Layout.Rows => [RowCount, .. Target.Shape[1..]],
            Layout.Gathered => [RowIndex!.Length, .. Target.Shape[1..]],
            _ => Target.Shape,
        };
    }

    private readonly List<Entry> entries = [];

    /// <summary>The file tensor has the parameter's shape.</summary>
    public void Direct(string name, Tensor parameter) => entries.Add(new(name, parameter, Layout.Direct, 0, 0));

    /// <summary>The file tensor is the parameter [out, in] transposed, [in, out] (GPT-2's Conv1D).</summary>
    public void Transposed(string name, Tensor parameter) => entries.Add(new(name, parameter, Layout.Transposed, 0, 0));

    /// <summary>The file tensor is rows [first, first + count) of the parameter (a piece of a fused projection).</summary>
    public void Rows(string name, Tensor parameter, int first, int count) => entries.Add(new(name, parameter, Layout.Rows, first, count));

    /// <summary>
    /// The file tensor stacks the given parameters' rows in order (Phi-3's gate_up_proj = [gate; up]).
    /// Every part has the same trailing shape.
    /// </summary>
    public void Stacked(string name, params Tensor[] parts)
    {
        var source = new List<int>();
        var row = new List<int>();
        for (int p = 0; p < parts.Length; p++)
            for (int r = 0; r < parts[p].Shape[0]; r++) { source.Add(p); row.Add(r); }
        entries.Add(new(name, parts[0], Layout.Gathered, 0, 0, parts, [.. source], [.. row]));
    }

    /// <summary>File row i is row <paramref name="rows"/>[i] of the parameter (a fused projection stored in another order).</summary>
    public void Gathered(string name, Tensor parameter, int[] rows) =>
        entries.Add(new(name, parameter, Layout.Gathered, 0, 0, [parameter], new int[rows.Length], rows));

    public IEnumerable<string> Names => entries.Select(e => e.Name);

    /// <summary>
    /// Fills every mapped parameter from the file. Missing tensors, shapes that contradict the config
    /// and tensors the model has no place for (other than <paramref name="ignore"/>d buffers) are
    /// <see cref="InputException"/>s naming the weights file, the tensor and both shapes.
    /// </summary>
    public void Load(ITensorSource source, string weightsPath, string configPath, Func<string, bool> ignore)
    {
        var missing = entries.Where(e => !source.Contains(e.Name)).Select(e => e.Name).ToList();
        if (missing.Count > 0)
            throw InputException.ForFile(weightsPath, $"missing tensor{(missing.Count > 1 ? "s" : "")} {List(missing)} that {configPath} calls for");
        var known = entries.Select(e => e.Name).ToHashSet();
        var unexpected = source.Names.Where(n => !known.Contains(n) && !ignore(n)).ToList();
        if (unexpected.Count > 0)
            throw InputException.ForFile(weightsPath, $"unexpected tensor{(unexpected.Count > 1 ? "s" : "")} {List(unexpected)}: not part of the model {configPath} describes");
        foreach (var e in entries)
        {
            var stored = source.GetInfo(e.Name).Shape;
            if (!stored.AsSpan().SequenceEqual(e.FileShape))
                throw InputException.ForFile(weightsPath,
                    $"tensor '{e.Name}' has shape {Shape.Format(stored)} but {configPath} implies {Shape.Format(e.FileShape)}");
        }
        var mapped = MapHalfMatrices(source);
        float[] scratch = [];
        foreach (var e in entries)
        {
            if (mapped.Contains(e)) continue;
            var target = e.Target.Span;
            switch (e.Layout)
            {
                case Layout.Direct:
                    source.ReadInto(e.Name, target);
                    break;
                case Layout.Rows:
                    int cols = e.Target.Size / e.Target.Shape[0];
                    source.ReadInto(e.Name, target.Slice(e.FirstRow * cols, e.RowCount * cols));
                    break;
                case Layout.Gathered:
                    int width = e.Target.Size / e.Target.Shape[0];
                    if (scratch.Length < e.RowIndex!.Length * width) scratch = new float[e.RowIndex.Length * width];
                    var rowsInFile = scratch.AsSpan(0, e.RowIndex.Length * width);
                    source.ReadInto(e.Name, rowsInFile);
                    for (int i = 0; i < e.RowIndex.Length; i++)
                        rowsInFile.Slice(i * width, width).CopyTo(e.Sources![e.SourceIndex![i]].Span.Slice(e.RowIndex[i] * width, width));
                    break;
                case Layout.Transposed:
                    // One reused scratch buffer: a fresh array per tensor would leave hundreds of MB
                    // of large-object garbage behind while a big model loads.
                    if (scratch.Length < e.Target.Size) scratch = new float[e.Target.Size];
                    var file = scratch.AsSpan(0, e.Target.Size);   // [in, out]
                    source.ReadInto(e.Name, file);
                    int rows = e.Target.Shape[0], inner = e.Target.Shape[1];
                    for (int o = 0; o < rows; o++)
                        for (int i = 0; i < inner; i++) target[o * inner + i] = file[i * rows + o];
                    break;
            }
        }
    }

    /// <summary>
    /// Weight matrices stored as bfloat16/float16 stay in the mapped file: each unallocated [rows, cols]
    /// parameter whose every file tensor is 16-bit in one encoding (and not stored transposed) reads
    /// its rows in place, in as many blocks as the file splits it into. Returns the entries so served.
    /// </summary>
    private HashSet<Entry> MapHalfMatrices(ITensorSource source)
    {
        Tensor[] TargetsOf(Entry e) => e.Layout == Layout.Gathered ? e.Sources! : [e.Target];
        var encodings = entries.ToDictionary(e => e, e => source.GetInfo(e.Name).DType switch
        {
            SafetensorsDType.BF16 => (Kernels.HalfEncoding?)Kernels.HalfEncoding.BFloat16,
            SafetensorsDType.F16 => Kernels.HalfEncoding.Float16,
            _ => null,
        });
        var touching = entries.SelectMany(e => TargetsOf(e).Distinct().Select(t => (t, e))).ToLookup<(Tensor t, Entry e), Tensor, Entry>(p => p.t, p => p.e, ReferenceEqualityComparer.Instance);
        var candidates = touching.Select(g => g.Key)
            .Where(t => t.Rank == 2 && t.IsUnallocated && touching[t].All(e => e.Layout != Layout.Transposed && encodings[e] is not null)
                && touching[t].Select(e => encodings[e]).Distinct().Count() == 1)
            .ToHashSet<Tensor>(ReferenceEqualityComparer.Instance);
        // An entry that also fills a parameter read as float32 is read whole, so its other parameters are too.
        bool changed = true;
        while (changed)
        {
            changed = false;
            foreach (var t in candidates.ToList())
                if (touching[t].Any(e => TargetsOf(e).Any(o => !candidates.Contains(o)))) changed |= candidates.Remove(t);
        }
        var blocks = new Dictionary<Tensor, List<(int FirstRow, int Count, nint Address)>>(ReferenceEqualityComparer.Instance);
        var lifetimes = new Dictionary<Tensor, object>(ReferenceEqualityComparer.Instance);
        var served = new HashSet<Entry>();
        foreach (var e in entries.Where(e => TargetsOf(e).All(candidates.Contains)))
        {
            var half = source.MapHalf(e.Name)!;
            int width = e.Target.Shape[1];
            void Add(Tensor t, int firstRow, int count, int fileRow)
            {
                (CollectionsMarshal.GetValueRefOrAddDefault(blocks, t, out _) ??= []).Add((firstRow, count, half.Address + (nint)fileRow * width * 2));
                lifetimes[t] = half.Lifetime;
            }
            if (e.Layout == Layout.Direct) Add(e.Target, 0, e.Target.Shape[0], 0);
            else if (e.Layout == Layout.Rows) Add(e.Target, e.FirstRow, e.RowCount, 0);
            else
                for (int i = 0, run; i < e.RowIndex!.Length; i += run)
                {
                    // A run of file rows that are consecutive rows of one parameter is one block.
                    for (run = 1; i + run < e.RowIndex.Length && e.SourceIndex![i + run] == e.SourceIndex[i] && e.RowIndex[i + run] == e.RowIndex[i] + run; run++) { }
                    Add(e.Sources![e.SourceIndex![i]], e.RowIndex[i], run, i);
                }
            served.Add(e);
        }
        foreach (var (t, list) in blocks)
        {
            list.Sort((a, b) => a.FirstRow.CompareTo(b.FirstRow));
            int next = 0;
            foreach (var b in list)
            {
                if (b.FirstRow != next) throw new InvalidOperationException($"weight map: rows of {t.Describe()} overlap or are missing");
                next += b.Count;
            }
            if (next != t.Shape[0]) throw new InvalidOperationException($"weight map: rows of {t.Describe()} are not all mapped");
            var encoding = encodings[touching[t].First()]!.Value;
            t.UseHalf(new Kernels.HalfMatrix(encoding, t.Shape[0], t.Shape[1], [.. list.Select(b => (b.FirstRow, b.Address))], lifetimes[t]));
        }
        return served;
    }

    /// <summary>Every file tensor by name, in the file's layout, ready for <see cref="SafetensorsWriter"/>.</summary>
    public IEnumerable<(string Name, Tensor Tensor)> ForSaving() => entries.Select(e => (e.Name, e.Layout switch
    {
        Layout.Transposed => new Tensor(e.Target.Storage, e.Target.Offset, e.FileShape, [e.Target.Strides[1], e.Target.Strides[0]]),
        Layout.Rows => new Tensor(e.Target.Storage, e.Target.Offset + e.FirstRow * e.Target.Strides[0], e.FileShape, e.Target.Strides),
        Layout.Gathered => Gather(e),
        _ => e.Target,
    }));

    private static Tensor Gather(Entry e)
    {
        var file = Tensor.Zeros(e.FileShape);
        int width = file.Size / e.RowIndex!.Length;
        for (int i = 0; i < e.RowIndex.Length; i++)
            e.Sources![e.SourceIndex![i]].ContiguousData().Span.Slice(e.RowIndex[i] * width, width).CopyTo(file.Span.Slice(i * width, width));
        return file;
    }

    private static string List(List<string> names) =>
        string.Join(", ", names.Take(5).Select(n => $"'{MessageText.Printable(n)}'")) + (names.Count > 5 ? $" and {names.Count - 5} more" : "");
}
