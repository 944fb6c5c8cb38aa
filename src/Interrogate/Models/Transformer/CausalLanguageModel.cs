using Interrogate.Formats;
using Interrogate.Nn;
using Interrogate.Tensors;
using Interrogate.Tensors.Autodiff;

namespace Interrogate.Models.Transformer;

/// <summary>
/// A decoder-only transformer language model with TransformerLens hook names: <c>hook_embed</c>,
/// <c>hook_pos_embed</c> (learned positions only), <c>blocks.{l}.…</c>, <c>ln_final.hook_normalized</c>.
/// Architectures (GPT-2, Llama) build the pieces and own their file layout; the forward pass is
/// shared. Parameters are named by the module tree ("blocks.0.attn.qkv.weight"); the Hugging Face
/// names live in each architecture's weight map.
/// </summary>
public abstract class CausalLanguageModel : Module
{
    private readonly TransformerBlock[] blocks;

    protected CausalLanguageModel(TransformerDimensions dims, TransformerParts parts)
    {
        Dimensions = dims;
        EmbeddingScale = parts.EmbeddingScale;
        FinalSoftCap = parts.FinalSoftCap;
        HookEmbed = AddHookPoint("hook_embed");
        HookEmbed.ShapeOf = (b, t) => [b, t, dims.DModel];
        if (parts.PositionEmbedding is not null)
        {
            HookPosEmbed = AddHookPoint("hook_pos_embed");
            HookPosEmbed.ShapeOf = (b, t) => [b, t, dims.DModel];
        }
        Embed = AddModule("embed", parts.Embedding);
        if (parts.PositionEmbedding is not null) PosEmbed = AddModule("pos_embed", parts.PositionEmbedding);
        var container = AddModule("blocks", new Container());
        blocks = [.. parts.Blocks];
        for (int i = 0; i < blocks.Length; i++) container.Add(i.ToString(System.Globalization.CultureInfo.InvariantCulture), blocks[i]);
        LnFinal = AddModule("ln_final", parts.FinalNorm);
        LnFinal.HookNormalized.ShapeOf = (b, t) => [b, t, dims.DModel];
        if (parts.Unembed is not null) Unembed = AddModule("unembed", parts.Unembed);
        NameHookPoints();
    }

    public TransformerDimensions Dimensions { get; }
    public Embedding Embed { get; }              // weight [V, D]
    public Embedding? PosEmbed { get; }          // weight [n_ctx, D], learned positions only
    public IReadOnlyList<TransformerBlock> Blocks => blocks;
    public Normalization LnFinal { get; }
    /// <summary>The output projection [V, D]; null when tied to the token embedding.</summary>
    public Linear? Unembed { get; }
    public bool TiedEmbeddings => Unembed is null;
    /// <summary>The matrix logits are read with: [V, D].</summary>
    public Tensor UnembedWeight => Unembed?.Weight ?? Embed.Weight;

    /// <summary>Multiplies token embeddings (Gemma: √D rounded to float); null for none.</summary>
    public float? EmbeddingScale { get; }
    /// <summary>Logits become cap·tanh(logits/cap) (Gemma 2's final_logit_softcapping); null for none.</summary>
    public float? FinalSoftCap { get; }

    public HookPoint HookEmbed { get; }          // [B, T, D], after EmbeddingScale
    public HookPoint? HookPosEmbed { get; }      // [B, T, D]

    /// <summary>End-of-sequence id from the config, if any (generation stops there).</summary>
    public abstract int? EosId { get; }

    /// <summary>The Hugging Face model_type this saves as ("gpt2", "llama").</summary>
    public abstract string ModelType { get; }

    /// <summary>Writes config.json and model.safetensors in the Hugging Face layout.</summary>
    public abstract void Save(string directory);

    /// <summary>
    /// The files every family saves, in one order: weights first, config last, so a folder with a
    /// config always has the weights it describes.
    /// </summary>
    protected static void SaveFiles(string directory, WeightMap weights, HfConfig config)
    {
        Directory.CreateDirectory(directory);
        SafetensorsWriter.Write(Path.Combine(directory, ModelDirectory.WeightsFileName), weights.ForSaving(),
            new Dictionary<string, string> { ["format"] = "pt" });
        config.Save(Path.Combine(directory, ModelDirectory.ConfigFileName));
    }

    /// <summary>
    /// How a config records MLP widths for <see cref="WithMlpWidths"/>: equal widths as the plain key
    /// (Width), different ones as the per-layer key (PerLayer, with Width left at <paramref name="current"/>).
    /// </summary>
    protected static (int Width, int[]? PerLayer) ConfigWidths(int[] widths, int current) =>
        widths.All(v => v == widths[0]) ? (widths[0], null) : (current, widths);

    /// <summary><see cref="ConfigWidths(int[], int)"/> for configs whose width key may be absent (GPT-2's n_inner).</summary>
    protected static (int? Width, int[]? PerLayer) ConfigWidths(int[] widths, int? current) =>
        widths.All(v => v == widths[0]) ? (widths[0], null) : (current, widths);

    /// <summary>
    /// A model of the same architecture and config whose layer l has MLP width widths[l] (freshly
    /// initialised weights), for pruning; equal widths save as the plain config key.
    /// </summary>
    public abstract CausalLanguageModel WithMlpWidths(int[] widths);

    /// <summary>
    /// Logits [B, T, V] for a batch; with a cache, the batch continues the cached tokens and is
    /// appended to them. Padded rows give the same logits at real tokens as when run alone.
    /// </summary>
    public Tensor Forward(TokenBatch batch, KeyValueCache? cache = null) =>
        NonFiniteOutput.Check(this, Logits(batch, cache), () => Logits(batch, null));

    private Tensor Logits(TokenBatch batch, KeyValueCache? cache)
    {
        var ctx = ForwardContext.Create(batch, cache, Dimensions.ContextLength);
        var x = RunBlocks(batch, ctx, blocks.Length);                            // [B, T, D]
        x = LnFinal.Forward(x);                                                 // [B, T, D]
        var logits = UnembedInto(x);                                            // [B, T, V]
        if (FinalSoftCap is { } cap) logits = logits.Mul(1f / cap).Tanh().Mul(cap);
        ctx.Commit();
        return logits;
    }

    /// <summary>x·Wᵤᵀ: into the <see cref="ReusedLogits"/> buffer inside that scope, else a fresh tensor (the same product either way).</summary>
    private Tensor UnembedInto(Tensor x)
    {
        int vocab = UnembedWeight.Shape[0];
        if (ReusedLogits.For((long)x.Size / x.Shape[^1] * vocab) is not { } buffer) return x.Linear(UnembedWeight);
        var logits = new Tensor(buffer, [.. x.Shape[..^1], vocab]);
        Ops.LinearInto(x, UnembedWeight, null, logits);
        return logits;
    }

    /// <summary>
    /// The residual stream [B, T, D] after the first <paramref name="blockCount"/> blocks, their hook
    /// points firing as in <see cref="Forward(TokenBatch, KeyValueCache?)"/>; the later blocks, the
    /// final norm and the unembedding are not run. For callers that read only hook points of those
    /// blocks (activation recording): for GPT-2 small the unembedding alone is about 30% of a
    /// forward pass's multiply-adds.
    /// </summary>
    public Tensor ForwardBlocks(TokenBatch batch, int blockCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(blockCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(blockCount, blocks.Length);
        // The stream it returns is checked as the logits are: a recording must not store non-finite values silently.
        return NonFiniteOutput.Check(this, Stream(batch, blockCount), () => Stream(batch, blockCount));
    }

    private Tensor Stream(TokenBatch batch, int blockCount)
    {
        var ctx = ForwardContext.Create(batch, null, Dimensions.ContextLength);
        var x = RunBlocks(batch, ctx, blockCount);
        ctx.Commit();
        return x;
    }

    // Embedding (scaled, plus learned positions) and then blocks 0..count−1: [B, T, D].
    private Tensor RunBlocks(TokenBatch batch, ForwardContext ctx, int count)
    {
        int b = batch.Batch, t = batch.Length;
        var embedded = Embed.Forward(batch.Ids, b, t);                          // [B, T, D]
        var x = HookEmbed.Apply(EmbeddingScale is { } scale ? embedded.Mul(scale) : embedded);
        if (PosEmbed is not null)
            x = x.Add(HookPosEmbed!.Apply(PosEmbed.Forward(ctx.Positions, b, t)));  // [B, T, D]
        for (int i = 0; i < count; i++) x = blocks[i].Forward(x, ctx);          // [B, T, D]
        return x;
    }

    /// <summary>Logits [1, T, V] of one unpadded sequence.</summary>
    public Tensor Forward(params int[] ids) => Forward(TokenBatch.Single(ids));

    /// <summary>
    /// Mean cross-entropy of predicting each real token from the ones before it (padding ignored).
    /// logits: [B, T, V] from <see cref="Forward(TokenBatch, KeyValueCache?)"/> of <paramref name="batch"/>. Result: [].
    /// </summary>
    public static Tensor NextTokenLoss(Tensor logits, TokenBatch batch)
    {
        int b = batch.Batch, t = batch.Length;
        if (t < 2) throw new ArgumentException("next-token loss needs at least 2 tokens per row");
        // Targets for every position, the last of each row ignored: cross-entropy then reads the full
        // logits in place, where slicing off the last position would copy [B, T, V] (411 MB for a
        // small GPT at 8×256 with GPT-2's vocabulary) and allocate a second gradient of that size.
        var targets = new int[b * t];
        for (int i = 0; i < b; i++)
            for (int j = 0; j < t; j++)
                targets[i * t + j] = j < t - 1 && batch.IsReal(i, j) && batch.IsReal(i, j + 1) ? batch.Ids[i * t + j + 1] : -100;
        return logits.CrossEntropy(targets);   // over [B, T, V]
    }

    /// <summary>Every hook point with the shape of its activation for a [batch, seq] input, in declaration order; attachments follow their host.</summary>
    public IReadOnlyList<(string Name, int[] Shape)> DescribeHookPoints(int batch, int seq) =>
        [.. HookPoints().SelectMany(h => h.Attachments.Where(a => a.Host == h.FullName).Select(a => (a.Name, a.Shape(batch, seq))).Prepend((h.FullName, h.ShapeOf?.Invoke(batch, seq) ?? [])))];

    /// <summary>The hook point of this name, or null.</summary>
    public HookPoint? FindHookPoint(string name) => HookPoints().FirstOrDefault(h => h.FullName == name);

    /// <summary>The attachment whose activation has this hook name, or null.</summary>
    public HookAttachment? FindAttachment(string name) => HookPoints().SelectMany(h => h.Attachments).FirstOrDefault(a => a.Name == name);
}

/// <summary>The pieces an architecture hands to <see cref="CausalLanguageModel"/>.</summary>
public sealed record TransformerParts(
    Embedding Embedding, Embedding? PositionEmbedding, IReadOnlyList<TransformerBlock> Blocks, Normalization FinalNorm, Linear? Unembed,
    float? EmbeddingScale = null, float? FinalSoftCap = null);
