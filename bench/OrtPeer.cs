using Interrogate.Models.Onnx;
using Interrogate.Models.Transformer;
using Microsoft.ML.OnnxRuntime;

namespace Interrogate.Bench;

/// <summary>
/// ONNX Runtime as an in-process peer: one inference session on our exported graph of a language
/// model (file written by <see cref="OnnxExport"/>, so ORT runs exactly what `interrogate export onnx`
/// writes), timed one forward pass at a time so callers can interleave it with ours.
/// </summary>
internal sealed class OrtPeer : IDisposable
{
    private readonly InferenceSession session;
    private readonly RunOptions runOptions = new();

    private OrtPeer(InferenceSession session, string config)
    {
        this.session = session;
        Config = config;
    }

    /// <summary>Version, threads, optimization level and spinning, for the row.</summary>
    public string Config { get; }

    /// <summary>
    /// A session on <paramref name="model"/> exported to a temp file (deleted once loaded): intra-op threads
    /// = <paramref name="threads"/>, one inter-op thread, sequential execution, all graph optimizations.
    /// With <paramref name="spinning"/> off ORT's workers sleep between passes (as OMP_WAIT_POLICY=PASSIVE
    /// for PyTorch), so they do not take CPU from the other engine's interleaved pass.
    /// </summary>
    public static OrtPeer Create(CausalLanguageModel model, int threads, bool spinning)
    {
        var path = Path.Combine(Path.GetTempPath(), $"interrogate-bench-{Environment.ProcessId}-{Guid.NewGuid():N}.onnx");
        try
        {
            OnnxExport.Write(model, path);
            var options = new SessionOptions
            {
                IntraOpNumThreads = threads,
                InterOpNumThreads = 1,
                ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
                GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            };
            options.AddSessionConfigEntry("session.intra_op.allow_spinning", spinning ? "1" : "0");
            var session = new InferenceSession(path, options);
            var config = $"ONNX Runtime {OrtEnv.Instance().GetVersionString()} CPU, in-process, intra-op threads {threads}, inter-op 1, " +
                $"ORT_ENABLE_ALL, spinning {(spinning ? "on" : "off")}, our exported opset-17 graph";
            return new OrtPeer(session, config);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Seconds for one forward pass of ids [b, t] (logits only, as ours in mode none).</summary>
    public double Once(long[] ids, int b, int t)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var input = OrtValue.CreateTensorValueFromMemory(ids, [b, t]);
        using var outputs = session.Run(runOptions, ["input_ids"], [input], ["logits"]);
        return clock.Elapsed.TotalSeconds;
    }

    public void Dispose()
    {
        runOptions.Dispose();
        session.Dispose();
    }
}
