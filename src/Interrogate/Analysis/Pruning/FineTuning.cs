using Interrogate.Analysis.Importance;
using Interrogate.Tensors;
using Interrogate.Tensors.Autodiff;
using Interrogate.Training;
using Interrogate.Subjects;

namespace Interrogate.Analysis.Pruning;

/// <summary>Settings of the short training run after pruning.</summary>
public sealed record FineTuneOptions
{
    public int Steps { get; init; }
    public float LearningRate { get; init; } = 1e-3f;
    /// <summary>Distil from the unpruned model: loss = (1 − w)·task + w·T²·KL(teacher_T ‖ student_T).</summary>
    public bool Distill { get; init; }
    public float Temperature { get; init; } = 2f;
    public float DistillWeight { get; init; } = 0.5f;
    public float GradientClip { get; init; } = 1f;
}

/// <summary>
/// Fine-tunes a pruned network on its training data with the optimizer its family trains with (AdamW),
/// a short warm-up then cosine decay, global-norm clipping and, for unstructured pruning, the mask
/// re-applied after every step so pruned weights stay exactly zero.
/// </summary>
public static class FineTuning
{
    /// <summary>Tunes with one fixed mask (or none, for structured pruning).</summary>
    public static void Run(Subject student, Subject? teacher, WeightMask? mask, FineTuneOptions options,
        Action<int, float>? progress = null, CancellationToken cancel = default) =>
        Run(student, teacher, _ => mask, options, progress, cancel);

    /// <summary>
    /// Tunes with a mask that may change: after optimizer step k (1-based) the mask
    /// <paramref name="maskAfter"/>(k) returns is written into the student (null: none), which is how
    /// gradual pruning raises the sparsity during tuning.
    /// </summary>
    public static void Run(Subject student, Subject? teacher, Func<int, WeightMask?> maskAfter, FineTuneOptions options,
        Action<int, float>? progress = null, CancellationToken cancel = default)
    {
        if (options.Steps <= 0) return;
        if (options.Distill && teacher is null) throw new ArgumentException("distillation needs the teacher network");
        var optimizer = student.CreateOptimizer(options.LearningRate);
        var schedule = new CosineSchedule(options.LearningRate, Math.Min(50, options.Steps / 10), options.Steps, options.LearningRate * 0.05f);
        student.Module.SetTraining(true);
        for (int step = 0; step < options.Steps; step++)
        {
            cancel.ThrowIfCancellationRequested();
            var batch = student.TrainingBatch(step);
            Tensor? teacherProbabilities = null;
            if (options.Distill)
                using (GradientTape.NoGrad())
                    teacherProbabilities = Rows(teacher!.Logits(batch)).Mul(1f / options.Temperature).Softmax(-1).Detach();
            float loss;
            using (var tape = new GradientTape())
            {
                var logits = student.Logits(batch);
                var total = student.TaskLoss(logits, batch);
                if (teacherProbabilities is not null)
                    total = total.Mul(1f - options.DistillWeight)
                        .Add(DistillationLoss(Rows(logits), teacherProbabilities, options.Temperature).Mul(options.DistillWeight));
                loss = total.Item();
                tape.Backward(total);
            }
            GradientClipping.ClipByGlobalNorm(student.Module.Parameters(), options.GradientClip);
            optimizer.LearningRate = schedule.RateAt(step);
            optimizer.Step();
            optimizer.ZeroGrad();
            maskAfter(step + 1)?.Apply(student);
            progress?.Invoke(step + 1, loss);
        }
        student.Module.SetTraining(false);
    }

    /// <summary>
    /// T²·mean over rows of KL(p ‖ softmax(s/T)), up to the teacher's entropy (a constant):
    /// −T²·mean_rows Σ_c p_c·log softmax(s/T)_c. student: [N, C] logits; teacher: [N, C] probabilities at temperature T.
    /// </summary>
    public static Tensor DistillationLoss(Tensor student, Tensor teacher, float temperature)
    {
        var logProbabilities = student.Mul(1f / temperature).LogSoftmax(-1);   // [N, C]
        return logProbabilities.Mul(teacher).Sum().Mul(-temperature * temperature / student.Shape[0]);
    }

    /// <summary>[.., C] → [N, C].</summary>
    private static Tensor Rows(Tensor logits) => logits.Rank == 2 ? logits : logits.Reshape(-1, logits.Shape[^1]);
}
