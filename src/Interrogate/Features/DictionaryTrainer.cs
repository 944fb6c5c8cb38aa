using System.Numerics.Tensors;
using Interrogate.Kernels;

namespace Interrogate.Features;

/// <summary>What one training step measured on its batch.</summary>
/// <param name="Fvu">Fraction of variance unexplained: Σ‖ŷ − y‖² / Σ‖y − ȳ‖² over the batch.</param>
/// <param name="MeanL0">Active latents per row.</param>
/// <param name="AuxLoss">AuxK's normalised loss (0 when no latent is dead or not TopK).</param>
/// <param name="Dead">Latents that have not fired for <see cref="DictionaryTrainingOptions.DeadTokens"/> tokens.</param>
public sealed record DictionaryStep(double Fvu, double MeanL0, double AuxLoss, int Dead);

/// <summary>
/// Trains a <see cref="SparseDictionary"/> one batch at a time. The encoder runs as one dense GEMM
/// (B × latents × width); everything after it touches only the active latents of each row: the
/// decoder, the gradient of the reconstruction with respect to each active latent, and the weight
/// gradients (scattered latent by latent, <see cref="SparseRows"/>), so a step costs about one dense
/// product instead of the six of a dense implementation. Decoder gradients are projected off the
/// decoder directions and rows renormalised to unit norm after each Adam step (Bricken et al.).
/// TopK adds AuxK (Gao et al.): the dead latents' top-k_aux reconstruct the residual.
/// </summary>
public sealed class DictionaryTrainer
{
    private readonly SparseDictionary dict;
    private readonly DictionaryTrainingOptions options;
    private readonly int batch, dIn, dOut, m;
    private readonly float[] centred, pre, yHat, gErr, gCentred, residual;
    private readonly SparseCodes codes = new(), aux = new();
    private readonly int[] colStart;
    private int[] order = [], rowOf = [];
    private float[] gzBuf = [], gPreBuf = [];
    private readonly float[] gWEnc, gBEnc, gWDec, gBDec, logThreshold, gLogThreshold;
    private readonly DictionaryAdam.Moments mWEnc, mBEnc, mWDec, mBDec, mLogThreshold;
    private readonly DictionaryAdam adam = new();
    private readonly bool[] touched;

    /// <param name="dictionary">Initialised (see <see cref="DictionaryInit"/>); trained in place.</param>
    /// <param name="batchSize">Rows per step.</param>
    /// <param name="totalSteps">Steps of the whole run (for the learning-rate decay).</param>
    /// <param name="options">Learning rate, schedule and penalties.</param>
    public DictionaryTrainer(SparseDictionary dictionary, DictionaryTrainingOptions options, int batchSize, long totalSteps)
    {
        (dict, this.options, batch, TotalSteps) = (dictionary, options, batchSize, totalSteps);
        (dIn, dOut, m) = (dictionary.InputWidth, dictionary.OutputWidth, dictionary.Latents);
        centred = new float[batch * dIn];
        gCentred = new float[batch * dIn];
        pre = new float[(long)batch * m];
        yHat = new float[batch * dOut];
        gErr = new float[batch * dOut];
        residual = new float[batch * dOut];
        colStart = new int[m + 1];
        touched = new bool[m];
        (gWEnc, gBEnc, gWDec, gBDec) = (new float[dict.EncoderWeight.Length], new float[m], new float[dict.DecoderWeight.Length], new float[dOut]);
        (mWEnc, mBEnc, mWDec, mBDec) = (DictionaryAdam.Moments.For(gWEnc.Length), DictionaryAdam.Moments.For(m), DictionaryAdam.Moments.For(gWDec.Length), DictionaryAdam.Moments.For(dOut));
        logThreshold = [.. dict.Threshold.Select(t => MathF.Log(Math.Max(t, 1e-12f)))];
        gLogThreshold = new float[logThreshold.Length];
        mLogThreshold = DictionaryAdam.Moments.For(logThreshold.Length);
        LastFired = new long[m];
    }

    public long TotalSteps { get; }
    /// <summary>Rows per step.</summary>
    public int BatchSize => batch;
    /// <summary>Steps taken (restored from a checkpoint to resume).</summary>
    public long Step { get => adam.Steps; set => adam.Steps = value; }
    /// <summary>[Latents] training tokens seen when each latent last fired (for dead latents and AuxK).</summary>
    public long[] LastFired { get; }
    public long TokensSeen => Step * batch;

    /// <summary>Adam's moments by parameter name, for checkpoints.</summary>
    public IEnumerable<(string Name, float[] Values)> State() =>
    [
        ("m.W_enc", mWEnc.First), ("v.W_enc", mWEnc.Second), ("m.b_enc", mBEnc.First), ("v.b_enc", mBEnc.Second),
        ("m.W_dec", mWDec.First), ("v.W_dec", mWDec.Second), ("m.b_dec", mBDec.First), ("v.b_dec", mBDec.Second),
        ("m.log_threshold", mLogThreshold.First), ("v.log_threshold", mLogThreshold.Second),
    ];

    /// <summary>The learning rate at step t (1-based): linear warm-up, flat, linear decay over the last DecayFraction.</summary>
    public float LearningRate(long t)
    {
        double lr = options.LearningRate * Math.Min(1.0, (double)t / Math.Max(1, options.WarmupSteps));
        long decayFrom = (long)(TotalSteps * (1 - options.DecayFraction));
        if (options.DecayFraction > 0 && t > decayFrom) lr *= Math.Max(0.0, (double)(TotalSteps - t + 1) / (TotalSteps - decayFrom));
        return (float)lr;
    }

    /// <summary>One Adam step on a batch.</summary>
    /// <param name="x">[batch, InputWidth] encoder inputs.</param>
    /// <param name="y">[batch, OutputWidth] reconstruction targets (x itself for an autoencoder).</param>
    public DictionaryStep TrainStep(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        if (x.Length != batch * dIn || y.Length != batch * dOut) throw new ArgumentException($"a step takes [{batch}, {dIn}] inputs and [{batch}, {dOut}] targets");
        bool jump = dict.Activation == DictionaryActivation.JumpRelu;
        dict.PreActivations(x, batch, centred, pre);
        dict.Select(pre, batch, codes, jump ? options.Bandwidth : 0f);
        SparseRows.Decode(codes.RowStart, codes.Index, codes.Value, dict.DecoderWeight, dOut, dict.DecoderBias, yHat);

        // Error, its gradient 2(ŷ − y)/B, and the batch's variance for the FVU.
        double sse = 0, total = 0;
        var mean = DictionaryInit.Mean(y, batch, dOut);
        for (int i = 0; i < batch * dOut; i++)
        {
            float e = yHat[i] - y[i], c = y[i] - mean[i % dOut];
            sse += e * e;
            total += c * c;
            gErr[i] = 2f * e / batch;
            residual[i] = -e;
        }

        // Entry gradients of the main set, then the dead latents' AuxK set.
        EntryGradients(codes, gErr, jump, out var gzMain, out var gPreMain);
        double auxLoss = 0;
        int dead = DeadLatents(out var deadList);
        var gAux = Array.Empty<float>();
        float[] gzAux = [], gPreAux = [];
        if (dict.Activation == DictionaryActivation.TopK && dead > 0)
            auxLoss = AuxK(deadList, out gAux, out gzAux, out gPreAux);

        Scatter(codes, codes.Value, gErr, gPreMain);
        if (gAux.Length > 0) Scatter(aux, aux.Value, gAux, gPreAux);
        BiasGradients(codes, gPreMain, gErr, aux.Count > 0 && gAux.Length > 0 ? (aux, gPreAux) : null);
        ProjectDecoderGradients();
        MarkFired();

        adam.Tick();
        float lr = LearningRate(Step);
        adam.Update(dict.EncoderWeight, gWEnc, mWEnc, lr);
        adam.Update(dict.EncoderBias, gBEnc, mBEnc, lr);
        adam.Update(dict.DecoderWeight, gWDec, mWDec, lr);
        adam.Update(dict.DecoderBias, gBDec, mBDec, lr);
        if (jump)
        {
            adam.Update(logThreshold, gLogThreshold, mLogThreshold, lr);
            for (int j = 0; j < m; j++) dict.Threshold[j] = MathF.Exp(logThreshold[j]);
        }
        dict.NormalizeDecoder();
        int active = 0;
        for (int e = 0; e < codes.Count; e++) if (codes.Value[e] > 0f) active++;
        return new DictionaryStep(total > 0 ? sse / total : 0, (double)active / batch, auxLoss, dead);
    }

    /// <summary>Resets the threshold parameter after a checkpoint restored <see cref="SparseDictionary.Threshold"/>.</summary>
    public void SyncThresholds()
    {
        for (int j = 0; j < logThreshold.Length; j++) logThreshold[j] = MathF.Log(Math.Max(dict.Threshold[j], 1e-12f));
    }

    // gz[e] = W_dec[j]·gErr_i; gPre[e] the gradient at the pre-activation (straight-through for JumpReLU,
    // whose threshold gradient uses the rectangle kernel: ∂f/∂θ = −(θ/ε)K, ∂H/∂θ = −K/ε).
    private void EntryGradients(SparseCodes set, float[] gOut, bool jump, out float[] gzSet, out float[] gPreSet)
    {
        gzSet = set == codes ? Grow(ref gzBuf, set.Count) : new float[set.Count];
        gPreSet = set == codes ? Grow(ref gPreBuf, set.Count) : new float[set.Count];
        SparseRows.GatherDots(set.RowStart, set.Index, dict.DecoderWeight, dOut, gOut, gzSet);
        float l1 = dict.Activation == DictionaryActivation.Relu && set == codes ? options.L1 / batch : 0f;
        for (int e = 0; e < set.Count; e++)
        {
            bool active = set.Value[e] > 0f;
            gPreSet[e] = active ? gzSet[e] + l1 : 0f;
            if (!jump) continue;
            int j = set.Index[e];
            float theta = dict.Threshold[j], eps = options.Bandwidth;
            if (Math.Abs(set.Pre[e] - theta) < eps / 2)
                gLogThreshold[j] += theta * (-(theta / eps) * gzSet[e] - options.L0 / (eps * batch));
        }
    }

    private int DeadLatents(out int[] list)
    {
        long now = TokensSeen;
        list = [.. Enumerable.Range(0, m).Where(j => now - LastFired[j] >= options.DeadTokens)];
        return list.Length;
    }

    // The dead latents' top-k_aux pre-activations reconstruct the residual e = y − ŷ (no bias);
    // loss α‖ê − e‖² / Σ‖e − ē‖², gradients into gAux (per row) and the aux entries.
    private double AuxK(int[] deadList, out float[] gAux, out float[] gzAux, out float[] gPreAux)
    {
        int kAux = Math.Min(options.AuxK > 0 ? options.AuxK : Math.Max(1, dIn / 2), deadList.Length);
        aux.Reset(batch, batch * kAux);
        Parallelism.For(batch, i =>
        {
            int at = i * kAux;
            RowTopK.SelectAmong(pre.AsSpan(i * m, m), dict.EncoderBias, deadList, kAux, aux.Index.AsSpan(at, kAux), aux.Pre.AsSpan(at, kAux));
            for (int t = at; t < at + kAux; t++) aux.Value[t] = Math.Max(aux.Pre[t], 0f);
            aux.RowStart[i + 1] = at + kAux;
        });
        var eHat = new float[batch * dOut];
        SparseRows.Decode(aux.RowStart, aux.Index, aux.Value, dict.DecoderWeight, dOut, [], eHat);
        var rMean = DictionaryInit.Mean(residual, batch, dOut);
        double denom = 0, num = 0;
        for (int i = 0; i < batch * dOut; i++)
        {
            double c = residual[i] - rMean[i % dOut], e = eHat[i] - residual[i];
            denom += c * c;
            num += e * e;
        }
        gAux = new float[batch * dOut];
        if (denom <= 0) { gzAux = gPreAux = []; return 0; }
        float scale = (float)(2 * options.AuxCoefficient / denom);
        for (int i = 0; i < gAux.Length; i++) gAux[i] = scale * (eHat[i] - residual[i]);
        EntryGradients(aux, gAux, false, out gzAux, out gPreAux);
        return num / denom;
    }

    // W_dec rows get f·gOut; W_enc rows get gPre·(x − b_dec), latent by latent.
    private void Scatter(SparseCodes set, float[] value, float[] gOut, float[] gPreSet)
    {
        int n = set.Count;
        if (order.Length < n) { order = new int[n]; rowOf = new int[n]; }
        SparseRows.ByColumn(set.RowStart, set.Index, m, colStart, order, rowOf);
        for (int j = 0; j < m; j++) if (colStart[j + 1] > colStart[j]) touched[j] = true;
        SparseRows.ScatterByColumn(colStart, order, rowOf, value, gOut, dOut, gWDec);
        SparseRows.ScatterByColumn(colStart, order, rowOf, gPreSet, centred, dIn, gWEnc);
    }

    // b_enc: Σ gPre per latent. b_dec: Σ_i gErr_i, minus Σ_i ∂L/∂(x − b_dec)_i when the encoder subtracts it.
    private void BiasGradients(SparseCodes main, float[] gPreMain, float[] gOut, (SparseCodes Set, float[] GPre)? auxSet)
    {
        for (int e = 0; e < main.Count; e++) gBEnc[main.Index[e]] += gPreMain[e];
        if (auxSet is { } a) for (int e = 0; e < a.Set.Count; e++) gBEnc[a.Set.Index[e]] += a.GPre[e];
        for (int i = 0; i < batch; i++) TensorPrimitives.Add(gBDec, gOut.AsSpan(i * dOut, dOut), gBDec);
        if (!dict.SubtractDecoderBias) return;
        SparseRows.Decode(main.RowStart, main.Index, gPreMain, dict.EncoderWeight, dIn, [], gCentred);
        for (int i = 0; i < batch; i++) TensorPrimitives.Subtract(gBDec, gCentred.AsSpan(i * dIn, dIn), gBDec);
    }

    // Removes each touched decoder gradient's component along its (unit) row, so the step moves along the sphere.
    private void ProjectDecoderGradients()
    {
        Parallelism.For(m, j =>
        {
            if (!touched[j]) return;
            touched[j] = false;
            Span<float> w = dict.DecoderWeight.AsSpan(j * dOut, dOut), g = gWDec.AsSpan(j * dOut, dOut);
            TensorPrimitives.MultiplyAdd(w, -TensorPrimitives.Dot(w, g), g, g);
        });
    }

    private void MarkFired()
    {
        long now = TokensSeen + batch;
        for (int e = 0; e < codes.Count; e++) if (codes.Value[e] > 0f) LastFired[codes.Index[e]] = now;
    }

    private static float[] Grow(ref float[] buffer, int n)
    {
        if (buffer.Length < n) buffer = new float[Math.Max(n, buffer.Length * 3 / 2)];
        return buffer;
    }
}
