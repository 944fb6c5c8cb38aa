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
        float[] scratch = [];
        foreach (var e in entries)
        {
            var stored = source.GetInfo(e.Name).Shape;
            if (!stored.AsSpan().SequenceEqual(e.FileShape))
                throw InputException.ForFile(weightsPath,
                    $"tensor '{e.Name}' has shape {Shape.Format(stored)} but {configPath} implies {Shape.Format(e.FileShape)}");
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
