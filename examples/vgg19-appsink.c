/* Reading the vgg19 element's results in an application.
 *
 *   vgg19-appsink [PIPELINE]
 *
 * PIPELINE ends in "appsink name=sink"; by default a test pattern is
 * classified. Build: cc vgg19-appsink.c $(pkg-config --cflags --libs
 * gstreamer-app-1.0 gstvgg19meta-1.0) */
#include <gst/app/gstappsink.h>
#include <gst/vgg19/vgg19meta.h>

static void
print_results (GstBuffer * buf)
{
  GstVgg19ClassificationMeta *cls =
      gst_buffer_get_vgg19_classification_meta (buf);
  GstVgg19LossMeta *loss = gst_buffer_get_vgg19_loss_meta (buf);
  gpointer state = NULL;
  GstMeta *meta;

  g_print ("%" GST_TIME_FORMAT ":", GST_TIME_ARGS (GST_BUFFER_PTS (buf)));
  for (guint i = 0; cls && i < cls->n_predictions; i++)
    g_print (" %s (%u) %.3f;", cls->predictions[i].label ?
        cls->predictions[i].label : "?", cls->predictions[i].class_id,
        cls->predictions[i].score);
  while ((meta = gst_buffer_iterate_meta_filtered (buf, &state,
              GST_VGG19_TENSOR_META_API_TYPE))) {
    GstVgg19TensorMeta *t = (GstVgg19TensorMeta *) meta;

    g_print (" %s %ux%ux%u, first value %g;", t->layer, t->channels,
        t->height, t->width, gst_vgg19_tensor_meta_get_data (t, NULL)[0]);
  }
  if (loss)
    g_print (" %s loss %g", loss->criterion, loss->total);
  g_print ("\n");
}

int
main (int argc, char **argv)
{
  GError *error = NULL;
  GstElement *pipeline, *sink;
  GstMessage *msg = NULL;
  int status = 0;

  gst_init (&argc, &argv);
  pipeline = gst_parse_launch (argc > 1 ? argv[1] : "videotestsrc "
      "num-buffers=3 ! vgg19 post-messages=false ! appsink name=sink", &error);
  if (!pipeline) {
    g_printerr ("bad pipeline: %s\n", error->message);
    return 1;
  }
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  gst_element_set_state (pipeline, GST_STATE_PLAYING);

  /* frames until the end of the stream or an error (no weights, ...) */
  while (!gst_app_sink_is_eos (GST_APP_SINK (sink))
      && !(msg = gst_bus_pop_filtered (GST_ELEMENT_BUS (pipeline),
              GST_MESSAGE_ERROR))) {
    GstSample *sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink),
        GST_SECOND / 10);

    if (sample) {
      print_results (gst_sample_get_buffer (sample));
      gst_sample_unref (sample);
    }
  }
  if (msg) {
    gst_message_parse_error (msg, &error, NULL);
    g_printerr ("error: %s\n", error->message);
    g_error_free (error);
    gst_message_unref (msg);
    status = 1;
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  return status;
}
