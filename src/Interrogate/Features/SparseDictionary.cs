using System.Numerics.Tensors;
using Interrogate.Kernels;

namespace Interrogate.Features;

/// <summary>How a dictionary turns pre-activations into feature activations.</summary>
public enum DictionaryActivation
{
    /// <summary>Keep the k largest per row, ReLU'd (Gao et al. 2024).</summary>
    TopK,
    /// <summary>ReLU, trained with an L1 penalty (Bricken et al. 2023).</summary>
    Relu,
    /// <summary>Keep values above a learned per-latent threshold (Rajamanoharan et al. 2024).</summary>
    JumpRelu,
}

/// <summary>A dictionary's folder (full path) and the SHA-256 (hex) of its weights file, for provenance.</summary>
public sealed record DictionarySource(string Directory, string WeightsSha256);

/// <summary>
/// A sparse dictionary: a sparse autoencoder (input and output the same hook) or a transcoder
/// (input one hook, output another). f = σ(W_enc·(x − b_dec) + b_enc) (b_dec subtracted only when
/// <see cref="SubtractDecoderBias"/>), x̂ = W_dec·f + b_dec. Weights are kept one row per latent, so
/// a latent's encoder and decoder directions are contiguous; the SAELens file layout stores W_enc
/// transposed (see SaeLensFormat).
/// </summary>
public sealed class SparseDictionary
{
    public SparseDictionary(int inputWidth, int outputWidth, int latents, DictionaryActivation activation, int k)
    {
        if (inputWidth < 1 || outputWidth < 1 || latents < 1) throw new ArgumentOutOfRangeException(nameof(latents), "widths and latents must be positive");
        if (activation == DictionaryActivation.TopK && (k < 1 || k > latents)) throw new ArgumentOutOfRangeException(nameof(k), $"k must be in 1..{latents}");
        (InputWidth, OutputWidth, Latents, Activation, K) = (inputWidth, outputWidth, latents, activation, k);
        EncoderWeight = new float[(long)latents * inputWidth];
        EncoderBias = new float[latents];
        DecoderWeight = new float[(long)latents * outputWidth];
        DecoderBias = new float[outputWidth];
        Threshold = activation == DictionaryActivation.JumpRelu ? new float[latents] : [];
        SubtractDecoderBias = inputWidth == outputWidth;
    }

    public int InputWidth { get; }
    public int OutputWidth { get; }
    public int Latents { get; }
    public DictionaryActivation Activation { get; }
    /// <summary>Active latents per row for TopK (ignored otherwise).</summary>
    public int K { get; }
    /// <summary>[Latents, InputWidth] encoder directions, one row per latent.</summary>
    public float[] EncoderWeight { get; }
    /// <summary>[Latents].</summary>
    public float[] EncoderBias { get; }
    /// <summary>[Latents, OutputWidth] decoder directions, one row per latent.</summary>
    public float[] DecoderWeight { get; }
    /// <summary>[OutputWidth].</summary>
    public float[] DecoderBias { get; }
    /// <summary>[Latents] JumpReLU thresholds; empty for the other activations.</summary>
    public float[] Threshold { get; }
    /// <summary>Whether the encoder sees x − b_dec (SAELens apply_b_dec_to_input); true for autoencoders.</summary>
    public bool SubtractDecoderBias { get; set; }
    /// <summary>Hook read by the encoder, e.g. blocks.2.hook_resid_post.</summary>
    public string HookIn { get; set; } = "";
    /// <summary>Hook the decoder reconstructs (the same as <see cref="HookIn"/> for an autoencoder).</summary>
    public string HookOut { get; set; } = "";

    public bool IsTranscoder => HookIn != HookOut;

    /// <summary>Where the dictionary was loaded from and its weights file's SHA-256 (null for one built in memory).</summary>
    public DictionarySource? Source { get; set; }

    /// <summary>Pre-activations of a batch: [rows, Latents] = W_enc·(x − b_dec) without b_enc (added by <see cref="Select"/>).</summary>
    /// <param name="x">[rows, InputWidth].</param>
    /// <param name="centred">[rows, InputWidth] receives x − b_dec (or x).</param>
    /// <param name="pre">[rows, Latents] overwritten.</param>
    /// <param name="rows">Number of rows.</param>
    public void PreActivations(ReadOnlySpan<float> x, int rows, float[] centred, float[] pre)
    {
        for (int i = 0; i < rows; i++)
        {
            var ci = centred.AsSpan(i * InputWidth, InputWidth);
            if (SubtractDecoderBias) TensorPrimitives.Subtract(x.Slice(i * InputWidth, InputWidth), DecoderBias, ci);
            else x.Slice(i * InputWidth, InputWidth).CopyTo(ci);
        }
        Gemm.Multiply(false, true, rows, Latents, InputWidth, 1f, centred.AsSpan(0, rows * InputWidth), InputWidth,
            EncoderWeight, InputWidth, 0f, pre.AsSpan(0, rows * Latents), Latents);
    }

    /// <summary>
    /// The active entries of each row: TopK's k largest (ReLU'd), ReLU's positives, JumpReLU's values
    /// above threshold. With <paramref name="band"/> &gt; 0 (JumpReLU training), entries within band/2
    /// of the threshold are kept too, with value 0 when inactive, so their threshold gradient can be formed.
    /// </summary>
    /// <param name="pre">[rows, Latents] from <see cref="PreActivations"/>.</param>
    /// <param name="rows">Number of rows.</param>
    /// <param name="codes">Receives the entries (reset first).</param>
    /// <param name="band">JumpReLU training band (0 otherwise).</param>
    public void Select(float[] pre, int rows, SparseCodes codes, float band = 0f)
    {
        int m = Latents;
        codes.Reset(rows, Activation == DictionaryActivation.TopK ? rows * K : rows * 16);
        if (Activation == DictionaryActivation.TopK)
        {
            Parallelism.For(rows, i =>
            {
                int at = i * K;
                RowTopK.Select(pre.AsSpan(i * m, m), EncoderBias, K, codes.Index.AsSpan(at, K), codes.Pre.AsSpan(at, K));
                for (int t = at; t < at + K; t++) codes.Value[t] = Math.Max(codes.Pre[t], 0f);
                codes.RowStart[i + 1] = at + K;
            });
            return;
        }
        // Variable counts per row: a serial pass that appends (these activations are for small runs and tests).
        int n = 0;
        for (int i = 0; i < rows; i++)
        {
            var row = pre.AsSpan(i * m, m);
            for (int j = 0; j < m; j++)
            {
                float p = row[j] + EncoderBias[j];
                float cut = Activation == DictionaryActivation.JumpRelu ? Threshold[j] : 0f;
                bool active = p > cut;
                if (!active && !(band > 0f && Math.Abs(p - cut) < band / 2)) continue;
                codes.Ensure(n + 1);
                codes.Index[n] = j;
                codes.Pre[n] = p;
                codes.Value[n] = active ? p : 0f;
                n++;
            }
            codes.RowStart[i + 1] = n;
        }
    }

    /// <summary>Feature activations of a batch, in batches of at most 4,096 rows.</summary>
    /// <param name="x">[rows, InputWidth].</param>
    /// <param name="rows">Number of rows.</param>
    public SparseCodes Encode(ReadOnlySpan<float> x, int rows)
    {
        var all = new SparseCodes();
        all.Reset(rows, 0);
        int step = Math.Min(rows, 4096);
        var centred = new float[step * InputWidth];
        var pre = new float[(long)step * Latents];
        var part = new SparseCodes();
        int n = 0;
        for (int r0 = 0; r0 < rows; r0 += step)
        {
            int r = Math.Min(step, rows - r0);
            PreActivations(x.Slice(r0 * InputWidth, r * InputWidth), r, centred, pre);
            Select(pre, r, part);
            all.Ensure(n + part.Count);
            Array.Copy(part.Index, 0, all.Index, n, part.Count);
            Array.Copy(part.Value, 0, all.Value, n, part.Count);
            Array.Copy(part.Pre, 0, all.Pre, n, part.Count);
            for (int i = 0; i < r; i++) all.RowStart[r0 + i + 1] = n + part.RowStart[i + 1];
            n += part.Count;
        }
        return all;
    }

    /// <summary>Reconstructions [codes.Rows, OutputWidth] = W_dec·f + b_dec.</summary>
    public float[] Decode(SparseCodes codes)
    {
        var y = new float[codes.Rows * OutputWidth];
        SparseRows.Decode(codes.RowStart, codes.Index, codes.Value, DecoderWeight, OutputWidth, DecoderBias, y);
        return y;
    }

    /// <summary>
    /// Folds the scale factors a dictionary was trained under into its weights, so it reads and writes
    /// unscaled activations: trained on s_in·x with targets s_out·y, W_enc ← s_in·W_enc, and
    /// W_dec, b_dec ← (W_dec, b_dec)/s_out (an autoencoder has s_in = s_out). Pre-activations, and so
    /// thresholds and feature activations, are unchanged.
    /// </summary>
    public void FoldScales(float inputScale, float outputScale)
    {
        if (SubtractDecoderBias && inputScale != outputScale) throw new ArgumentException("an autoencoder has one scale");
        TensorPrimitives.Multiply(EncoderWeight, inputScale, EncoderWeight);
        TensorPrimitives.Multiply(DecoderWeight, 1f / outputScale, DecoderWeight);
        TensorPrimitives.Multiply(DecoderBias, 1f / outputScale, DecoderBias);
    }

    /// <summary>Rescales every decoder row to unit norm (rows of zero norm are left alone).</summary>
    public void NormalizeDecoder()
    {
        int w = OutputWidth;
        Parallelism.For(Latents, j =>
        {
            var row = DecoderWeight.AsSpan(j * w, w);
            float norm = TensorPrimitives.Norm(row);
            if (norm > 0f) TensorPrimitives.Multiply(row, 1f / norm, row);
        });
    }
}
