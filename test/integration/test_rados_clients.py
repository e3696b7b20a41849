"""The real clients against a RADOS-backed silt (issue 17 item 6): the core of the client
modules that otherwise run on the erasure backend, borrowed unchanged (rados_reuse.borrow) and
run here against one `silt server --backend rados` on the suite's shared Ceph cluster
(ceph_cluster fixture), in a RADOS namespace of its own.

Borrowed: the Spark s3a request patterns, the JS SDK v3, every boto3/raw payload mode
(unsigned, signed, aws-chunked, trailers, header checksums), boto3 core object calls, aws cli v2
(cp/sync/ls/rm, multipart cp; v1's are in test_rados_backend.py) and the multipart checksums
(COMPOSITE / FULL_OBJECT, aws cli v1 multipart cp with CRC32).
Encryption on RADOS is test_rados_sse.py (it needs https)."""
import pytest

import test_awscli_v2
import test_boto3
import test_multipart_checksums
import test_node_sdk
import test_payload_modes
import test_s3a_patterns
from ceph_cluster import ceph_cluster  # noqa: F401  (the fixture, by name)
from rados_reuse import borrow, rados_args, serve
from silt_server import SiltServer
from test_boto3 import thousand, tree  # noqa: F401  (fixtures of borrowed tests)
from test_node_sdk import uploaded  # noqa: F401
from test_s3a_patterns import many  # noqa: F401


@pytest.fixture(scope="module")
def silt(ceph_cluster, tmp_path_factory):  # noqa: F811
    """One RADOS-backed silt for the module (overrides conftest's erasure-backed one, so the
    borrowed tests and conftest's s3/bucket fixtures talk to it)."""
    workdir = tmp_path_factory.mktemp("silt-rados")
    server = SiltServer(workdir)
    server.args, server.namespace = rados_args(ceph_cluster.conf, workdir)
    yield from serve(server)


borrow(globals(), test_s3a_patterns,
       "test_get_file_status_probes", "test_missing_bucket_is_404_no_such_bucket_on_list",
       "test_mkdirs_puts_directory_marker", "test_write_then_delete_parent_markers",
       "test_block_output_stream_multipart_64mib_parts", "test_list_status_max_keys_5000_pages",
       "test_delete_directory_in_pages_of_250", "test_rename_directory",
       "test_rename_source_changed_gives_412", "test_ranged_reads_with_if_match",
       "test_magic_committer")

borrow(globals(), test_node_sdk,
       "test_upload_30mib_multipart", "test_upload_complete_returns_composite_checksum",
       "test_put_get_head_list_copy_delete", "test_put_stream_body_aws_chunked_trailer",
       "test_get_with_checksum_mode_validates", "test_presigned_get_with_fetch",
       "test_presigned_put_verifies_the_checksum_it_hoists")

borrow(globals(), test_payload_modes,
       "test_hex_sha256_payload", "test_hex_sha256_mismatch", "test_unsigned_payload",
       "test_unknown_payload_mode_is_not_implemented", "test_streaming_signed",
       "test_streaming_signed_empty_object", "test_streaming_signed_without_content_encoding",
       "test_streaming_signed_keeps_real_content_encoding",
       "test_streaming_signed_bad_chunk_signature", "test_streaming_decoded_length_mismatch",
       "test_unsigned_trailer", "test_unsigned_trailer_mismatch",
       "test_unsigned_trailer_inside_transfer_encoding_chunked", "test_signed_trailer",
       "test_signed_trailer_checksum_mismatch", "test_signed_trailer_bad_trailer_signature",
       "test_header_checksum", "test_header_checksum_mismatch",
       "test_trailer_checksum_returned_on_get", "test_content_md5",
       "test_boto3_flexible_checksum_and_ranged_get",
       "test_delete_objects_with_checksum_instead_of_md5")

borrow(globals(), test_boto3,
       "test_put_get_roundtrip_etag_is_md5", "test_overwrite_replaces_content",
       "test_metadata_and_content_headers_round_trip", "test_range_get",
       "test_range_not_satisfiable", "test_range_with_if_match",
       "test_download_file_20mib_uses_ranged_gets", "test_conditional_get_and_head",
       "test_delete_objects_1000_ok_1001_malformed", "test_copy_object_copy_directive_keeps_metadata",
       "test_copy_source_conditions", "test_list_v2_prefix_delimiter",
       "test_list_v1_marker_and_next_marker", "test_presigned_get_and_put")

# aws cli v2: mb, cp up (a 9 MiB multipart upload) and down, ls, rm, rb, sync. v1's cp, ls, rm,
# rb, sync and multipart cp already run on RADOS in test_rados_backend.py; its multipart cp
# with CRC32 is borrowed from test_multipart_checksums below. (Each cli call costs seconds of
# interpreter start here, so no call is made twice.)
borrow(globals(), test_awscli_v2,
       "test_mb_cp_ls_cp_down_rm_rb", "test_sync_twice_transfers_nothing_the_second_time", tag="v2")

borrow(globals(), test_multipart_checksums,
       "test_composite_whole_object_checksum", "test_full_object_whole_object_checksum",
       "test_whole_object_checksum_of_another_algorithm",
       "test_whole_object_checksum_without_part_checksums", "test_checksum_type_on_complete",
       "test_refused_complete_keeps_serving", "test_awscli_cp_with_crc32",
       params={"algo": ["CRC32", "SHA256"]})  # CRC32C: a pure-Python CRC over 10 MiB, 20 s here
